// The outbound webhook sender against a real local receiver: Standard Webhooks
// signatures verified by the `standardwebhooks` verifier (one secret, and two
// during a rotation), SSRF refusals after resolution (no traffic ever leaves
// loopback: names resolve through a lookup given by the test), a 3xx not
// followed, the response body kept only as a 1 KB prefix, the total timeout.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateWebhookSecret } from "../../src/domain/connection/webhook.js";
import { isPublicAddress, type LookupAll } from "../../src/integrations/webhook/address-policy.js";
import { sendWebhook } from "../../src/integrations/webhook/sender.js";

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let port: number;
const received: Received[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      if (req.url === "/redirect") {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/target` }).end();
      } else if (req.url === "/big") {
        res.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(100_000));
      } else if (req.url === "/hang") {
        // never answers
      } else if (req.url === "/fail") {
        res.writeHead(503).end("down for maintenance");
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const LOOPBACK_ALLOWED = { allowedHosts: ["127.0.0.1"], timeoutMs: 5_000 };
const NOTHING_ALLOWED = { allowedHosts: [] as string[], timeoutMs: 5_000 };
/** Resolves every name to the given addresses, without DNS. */
const resolveTo = (...addresses: string[]): LookupAll => async () => addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

function hitsOf(path: string): number {
  return received.filter((r) => r.path === path).length;
}

describe("signing (Standard Webhooks)", () => {
  it("signs so that the standardwebhooks verifier accepts the delivery, with a stable webhook-id", async () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const body = JSON.stringify({ type: "sales.draft.sent", timestamp: new Date().toISOString(), data: { draftId: "d1" } });
    const attempt = await sendWebhook({ url: `http://127.0.0.1:${port}/ok`, id: "evt-1", body, secrets: [secret] }, LOOPBACK_ALLOWED);
    expect(attempt).toMatchObject({ ok: true, status: 200, error: null, responseBody: '{"ok":true}' });
    const got = received.filter((r) => r.path === "/ok").at(-1)!;
    expect(got.headers["webhook-id"]).toBe("evt-1");
    const verified = new Webhook(secret).verify(got.body, got.headers as Record<string, string>);
    expect(verified).toEqual(JSON.parse(body));
    // A different secret does not verify: the check is real.
    expect(() => new Webhook(generateWebhookSecret()).verify(got.body, got.headers as Record<string, string>)).toThrow();
  });

  it("during a rotation carries one signature per secret, so receivers on either secret verify", async () => {
    const [next, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const body = '{"type":"sales.lead.created","timestamp":"2026-12-06T00:00:00.000Z","data":{}}';
    await sendWebhook({ url: `http://127.0.0.1:${port}/rotated`, id: "evt-2", body, secrets: [next, previous] }, LOOPBACK_ALLOWED);
    const got = received.filter((r) => r.path === "/rotated").at(-1)!;
    expect(String(got.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    for (const s of [next, previous]) expect(new Webhook(s).verify(got.body, got.headers as Record<string, string>)).toBeTruthy();
  });
});

describe("SSRF protection", () => {
  it.each([
    ["http://127.0.0.1:PORT/ok", "loopback"],
    ["http://10.1.2.3:PORT/ok", "private 10/8"],
    ["http://192.168.1.10:PORT/ok", "private 192.168/16"],
    ["http://169.254.169.254/latest/meta-data/", "link-local (cloud metadata)"],
    ["http://100.64.0.1:PORT/ok", "CGNAT"],
    ["http://0.0.0.0:PORT/ok", "unspecified"],
    ["http://[::1]:PORT/ok", "IPv6 loopback"],
    ["http://[::ffff:127.0.0.1]:PORT/ok", "IPv4-mapped IPv6 loopback"],
    ["http://[fd00::1]:PORT/ok", "IPv6 unique-local"],
    ["http://[fe80::1]:PORT/ok", "IPv6 link-local"],
  ])("refuses %s (%s) without the allowlist, before connecting", async (template, _what) => {
    const before = received.length;
    const attempt = await sendWebhook({ url: template.replace("PORT", String(port)), id: "e", body: "{}", secrets: [generateWebhookSecret()] }, NOTHING_ALLOWED);
    expect(attempt.ok).toBe(false);
    expect(attempt.status).toBeNull();
    expect(attempt.error).toMatch(/^refused: /);
    expect(received.length).toBe(before);
  });

  it.each([
    [["127.0.0.1"], "loopback"],
    [["::1"], "IPv6 loopback"],
    [["10.0.0.7"], "private"],
    [["169.254.169.254"], "link-local"],
    [["93.184.216.34", "10.0.0.7"], "a public address mixed with a private one"],
  ])("refuses a host name that resolves to %j (%s)", async (addresses, _what) => {
    const before = received.length;
    const attempt = await sendWebhook(
      { url: `http://hooks.example.test:${port}/ok`, id: "e", body: "{}", secrets: [generateWebhookSecret()] },
      { ...NOTHING_ALLOWED, resolve: resolveTo(...addresses) },
    );
    expect(attempt).toMatchObject({ ok: false, status: null });
    expect(attempt.error).toMatch(/^refused: .*not public/);
    expect(received.length).toBe(before);
  });

  it("connects to exactly the address it checked (a name resolved by the guarded lookup, allowlisted)", async () => {
    const before = hitsOf("/via-name");
    const attempt = await sendWebhook(
      { url: `http://receiver.example.test:${port}/via-name`, id: "e", body: "{}", secrets: [generateWebhookSecret()] },
      { ...LOOPBACK_ALLOWED, resolve: resolveTo("127.0.0.1") },
    );
    expect(attempt.ok).toBe(true);
    expect(hitsOf("/via-name")).toBe(before + 1);
  });

  it("refuses other schemes", async () => {
    const attempt = await sendWebhook({ url: "file:///etc/passwd", id: "e", body: "{}", secrets: [generateWebhookSecret()] }, LOOPBACK_ALLOWED);
    expect(attempt).toMatchObject({ ok: false, status: null });
  });

  it("judges addresses by range", () => {
    for (const a of ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"]) expect(isPublicAddress(a)).toBe(true);
    for (const a of ["127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.0.1", "169.254.169.254", "100.64.0.1", "224.0.0.1", "0.0.0.0", "255.255.255.255", "::1", "::", "fc00::1", "fe80::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1"]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
  });
});

describe("responses", () => {
  it("does not follow a redirect (to 127.0.0.1): a 3xx is a failed attempt", async () => {
    const before = hitsOf("/target");
    const attempt = await sendWebhook({ url: `http://127.0.0.1:${port}/redirect`, id: "e", body: "{}", secrets: [generateWebhookSecret()] }, LOOPBACK_ALLOWED);
    expect(attempt).toMatchObject({ ok: false, status: 302 });
    expect(attempt.error).toMatch(/redirect/);
    expect(hitsOf("/target")).toBe(before);
  });

  it("keeps at most 1 KB of the response body", async () => {
    const attempt = await sendWebhook({ url: `http://127.0.0.1:${port}/big`, id: "e", body: "{}", secrets: [generateWebhookSecret()] }, LOOPBACK_ALLOWED);
    expect(attempt.ok).toBe(true);
    expect(attempt.responseBody).toHaveLength(1024);
  });

  it("records a 5xx as failed with its status and body prefix", async () => {
    const attempt = await sendWebhook({ url: `http://127.0.0.1:${port}/fail`, id: "e", body: "{}", secrets: [generateWebhookSecret()] }, LOOPBACK_ALLOWED);
    expect(attempt).toMatchObject({ ok: false, status: 503, error: "HTTP 503", responseBody: "down for maintenance" });
  });

  it("gives up after the total timeout", async () => {
    const started = Date.now();
    const attempt = await sendWebhook({ url: `http://127.0.0.1:${port}/hang`, id: "e", body: "{}", secrets: [generateWebhookSecret()] }, { ...LOOPBACK_ALLOWED, timeoutMs: 300 });
    expect(attempt).toMatchObject({ ok: false, status: null });
    expect(attempt.error).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
