// The large CommonJS SDKs load on first use (src/config/lazy-require.ts), not at
// start-up: the service's whole module graph (src/app.ts) is loaded in a fresh
// process, which must not have required any of them. A static import anywhere
// (the HubSpot webhook signature once imported @hubspot/api-client) fails this.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const LAZY_SDKS = ["@hubspot/api-client", "@googleapis/gmail", "@googleapis/calendar", "@googleapis/drive", "google-auth-library", "mailparser", "wink-nlp"];

/** The SDKs among LAZY_SDKS that a fresh process has required after importing `modules` and running `then`. */
async function sdksLoadedAfter(modules: string[], then = ""): Promise<string[]> {
  const script = `
    import { createRequire } from "node:module";
    const require = createRequire(import.meta.url);
    const loaded = ${JSON.stringify(modules)};
    const imported = await Promise.all(loaded.map((m) => import(m)));
    ${then}
    const ids = ${JSON.stringify(LAZY_SDKS)};
    console.log(JSON.stringify(ids.filter((id) => Object.keys(require.cache).some((file) => file.includes("/node_modules/" + id + "/")))));
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
