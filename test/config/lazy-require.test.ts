// The large CommonJS SDKs load on first use (src/config/lazy-require.ts), not at
// start-up: the service's whole module graph (src/app.ts) is loaded in a fresh
// process, which must not have required any of them. A static import anywhere
// (the HubSpot webhook signature once imported @hubspot/api-client) fails this.
// The AI SDK, the date parser and the mailer count too: the local provider, an
// API-only replica and a service without SMTP never need them.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const LAZY_SDKS = [
  "@hubspot/api-client",
  "@googleapis/gmail",
  "@googleapis/calendar",
  "@googleapis/drive",
  "google-auth-library",
  "mailparser",
  "wink-nlp",
  "openai",
  "chrono-node",
  "nodemailer",
];

/**
 * The SDKs among LAZY_SDKS that a fresh process has loaded after importing `modules` and running `then`:
 * required (require.cache) or imported as ES modules (seen by a resolve hook — chrono-node and openai
 * have ES builds, which never enter require.cache).
 */
async function sdksLoadedAfter(modules: string[], then = ""): Promise<string[]> {
  const hooks = `
    let port;
    export function initialize(data) { port = data.port; }
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      port.postMessage(result.url);
      return result;
    }`;
  const script = `
    import { createRequire, register } from "node:module";
    import { MessageChannel } from "node:worker_threads";
    const require = createRequire(import.meta.url);
    const { port1, port2 } = new MessageChannel();
    const resolved = [];
    port1.on("message", (url) => resolved.push(url));
    port1.unref();
    register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hooks)}), import.meta.url, { data: { port: port2 }, transferList: [port2] });
    const loaded = ${JSON.stringify(modules)};
    const imported = await Promise.all(loaded.map((m) => import(m)));
    ${then}
    await new Promise((r) => setTimeout(r, 200));
    const files = [...Object.keys(require.cache), ...resolved];
    const ids = ${JSON.stringify(LAZY_SDKS)};
    console.log(JSON.stringify(ids.filter((id) => files.some((file) => file.includes("/node_modules/" + id + "/")))));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as string[];
}

describe("SDKs loaded on first use", () => {
  it("none is loaded when the service's modules are", async () => {
    expect(await sdksLoadedAfter(["./src/app.ts"])).toEqual([]);
  }, 60_000);

  it("the HubSpot SDK is loaded by the first webhook signature computed", async () => {
    const sign = `imported[0].hubspotV3Signature({ secret: "s", method: "POST", url: "https://example.test/hooks", body: "{}", timestamp: 1 });`;
    expect(await sdksLoadedAfter(["./src/integrations/inbound-webhook/hubspot-signature.ts"], sign)).toEqual(["@hubspot/api-client"]);
  }, 60_000);
});
