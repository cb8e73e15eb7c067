// What the browser tests share: Debian's chromium through playwright-core (or
// the reason it is missing), a signed-in page per member, axe-core, and
// screenshots (test/web/screenshots/, git-ignored).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const SKIP_REASON = `${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run installs it)`;
const SCREENSHOTS = path.resolve("test/web/screenshots");
// Without the background-networking flags chromium floods the closed network with refused connections.
const LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];
const require = createRequire(import.meta.url);

export interface ConsoleBrowser {
  /** A new browser context signed in through the sign-in screen with this token (kept in sessionStorage, never in the address). */
  signIn(token: string, viewport?: Viewport): Promise<Page>;
  /** A page in a new browser context, signed in as nobody (sign-in screens, single sign-on). */
  newPage(viewport?: Viewport): Promise<Page>;
  close(): Promise<void>;
}

export interface Viewport {
  width: number;
  height: number;
}

const DESKTOP: Viewport = { width: 1280, height: 900 };

export async function launchConsoleBrowser(baseUrl: string, waitMs: number): Promise<ConsoleBrowser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  const contexts: BrowserContext[] = [];
  async function newPage(viewport: Viewport = DESKTOP): Promise<Page> {
    // bypassCSP: only so the test can inject axe-core; the console itself runs under its CSP.
    const context = await browser.newContext({ viewport, bypassCSP: true });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(waitMs);
    page.on("pageerror", (error) => process.stderr.write(`[browser] ${error.message}\n`));
    return page;
  }
  return {
    newPage,
    async signIn(token, viewport) {
      const page = await newPage(viewport);
      await page.goto(`${baseUrl}/`);
      await page.getByLabel("Access token").fill(`{ "Authorization": "Bearer ${token}" }`);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.getByTestId("who").waitFor();
      // The token is kept in sessionStorage, never in the address.
      expect(page.url()).not.toContain(token);
      expect(await page.evaluate("sessionStorage.getItem('sales-agent.token')")).toBe(token);
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
    },
  };
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  await page.addScriptTag({ content: readFileSync(require.resolve("axe-core/axe.min.js"), "utf8") });
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) })))`,
  )) as { id: string; impact: string | null }[];
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious, `${screen}: ${JSON.stringify(serious, null, 1)}`).toEqual([]);
}

export function screenshot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
