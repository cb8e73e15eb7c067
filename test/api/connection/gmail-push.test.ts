// POST /hooks/gmail/push over real HTTP: Pub/Sub push requests whose OIDC
// token the fake Google signed (certificates served by the fake at
// /oauth2/v1/certs, verified by google-auth-library's verifyIdToken). A valid
// notification queues an incremental sync that brings the new message in;
// forged, expired, wrong-audience, wrong-account and missing tokens get 401
// and queue nothing.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncMailbox } from "../../../src/orchestration/connection/gmail-sync.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { sql, waitFor } from "../../helpers/operator.js";
import type { FakeGoogle } from "../../fakes/google/server.js";
import { connectGoogle, gmailRaw, gmailSyncJobs, inboundCount, startGmailTestApp } from "../../helpers/google.js";

const REP = "push-rep@seller.example";

let t: TestApp;
let google: FakeGoogle;
let close: () => Promise<void>;
let tenant: TestTenant;
let connectionId: string;
let hook: string;

beforeAll(async () => {
  ({ t, google, close } = await startGmailTestApp((g) => ({
    GMAIL_PUSH_AUDIENCE: g.pubsub.audience,
    GMAIL_PUSH_SERVICE_ACCOUNT: g.pubsub.serviceAccountEmail,
    GMAIL_PUSH_CERTS_URL: `${g.url}/oauth2/v1/certs`,
    GMAIL_PUSH_TOPIC: "projects/sales-agent-test/topics/gmail",
  })));
  hook = `${t.url}/hooks/gmail/push`;
  tenant = await createTenant(t, "gpush");
  connectionId = await connectGoogle(t, google, { tenant, role: "OPERATOR" }, REP, { scopes: ["gmail.readonly"] });
  google.gmail.seedMailbox(REP, 2, { from: "buyer@prospect.example" });
  expect(await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId })).toMatchObject({ mode: "FULL", imported: 2 });
  // The first sync asked Gmail to publish the mailbox's changes (users.watch on GMAIL_PUSH_TOPIC).
  expect(google.gmail.watchCalls.get(REP)).toBe(1);
  expect(google.gmail.mailbox(REP).watch?.topicName).toBe("projects/sales-agent-test/topics/gmail");
}, 60_000);

afterAll(async () => {
  await close?.();
});

const raw = (subject: string) => gmailRaw({ from: "buyer@prospect.example", to: REP, subject, body: "Can we meet on Tuesday?", messageId: `<${randomUUID()}@prospect.example>` });
const syncJobs = () => gmailSyncJobs(t);
const inbound = () => inboundCount(t, tenant.tenantId);

describe("Gmail push notifications", () => {
  it("a validly signed notification queues an incremental sync that brings the new message in", async () => {
    const message = google.gmail.deliver(REP, { raw: raw("Pushed reply") });
    const jobs = await syncJobs();
    const res = await google.pubsub.push(hook, REP, message.historyId);
    expect(res.status).toBe(204);
    expect(await syncJobs()).toBe(jobs + 1);
    // The sync records its end after the message went through ingest.
    const state = await waitFor(async () => {
      const rows = await sql<{ lastMode: string; historyId: string }>(t.db, `SELECT "lastMode", "historyId" FROM "GmailSyncState" WHERE "connectionId" = $1`, [connectionId]);
      return rows[0]?.lastMode === "INCREMENTAL" ? rows[0] : null;
    }, 30_000, "the pushed sync finished");
    expect(state).toEqual({ lastMode: "INCREMENTAL", historyId: String(message.historyId) });
    expect(await inbound()).toBe(3);
    // Google's certificates were fetched once and cached (max-age).
    expect(google.pubsub.certFetches).toBe(1);
  });

  it("forged, expired, wrong-audience, wrong-account, unverified and missing tokens: 401, nothing queued", async () => {
    google.gmail.deliver(REP, { raw: raw("Must not arrive by push") });
    const jobs = await syncJobs();
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string | null][] = [
      ["forged (signed with a key Google never published)", google.pubsub.signToken({}, { key: google.pubsub.foreignKey() })],
      ["expired", google.pubsub.signToken({ iat: now - 7200, exp: now - 3600 })],
      ["wrong audience", google.pubsub.signToken({ aud: "https://someone-else.example/push" })],
      ["wrong service account", google.pubsub.signToken({ email: "attacker@evil-project.iam.gserviceaccount.com" })],
      ["unverified e-mail", google.pubsub.signToken({ email_verified: false })],
      ["wrong issuer", google.pubsub.signToken({ iss: "https://evil.example" })],
      ["tampered payload", (() => {
        const [h, , s] = google.pubsub.signToken().split(".");
        const body = Buffer.from(JSON.stringify({ iss: "https://accounts.google.com", aud: google.pubsub.audience, email: google.pubsub.serviceAccountEmail, email_verified: true, iat: now, exp: now + 3600, sub: "1" })).toString("base64url");
        return `${h}.${body}.${s}`;
      })()],
      ["not a JWT", "not-a-token"],
      ["missing", null],
    ];
    for (const [what, token] of cases) {
      const res = await google.pubsub.push(hook, REP, 999_999, token);
      expect(res.status, what).toBe(401);
      const text = await res.text();
      expect(text, what).not.toContain(token ?? "\u0000");
    }
    expect(await syncJobs()).toBe(jobs);
  });

  it("a valid token with a body that is not a Gmail notification: 400; an unknown mailbox: acknowledged, nothing queued", async () => {
    const jobs = await syncJobs();
    const bad = await fetch(hook, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${google.pubsub.signToken()}` },
      body: JSON.stringify({ message: { data: Buffer.from("not json").toString("base64") } }),
    });
    expect(bad.status).toBe(400);
    const unknown = await google.pubsub.push(hook, "nobody@elsewhere.example", 5);
    expect(unknown.status).toBe(204);
    expect(await syncJobs()).toBe(jobs);
  });

  it("end to end: a message delivered into the watched mailbox is published, pushed with a signed token and synced", async () => {
    const before = await inbound();
    google.pubsub.pushEndpoint = hook;
    try {
      const started = Date.now();
      google.gmail.deliver(REP, { raw: raw("Arrives by push alone") });
      await waitFor(async () => (await inbound()) === before + 2, 30_000, "the pushed message is ingested");
      // (+2: the message left unsynced by the refused pushes above comes in with it.)
      expect(google.pubsub.pushed.at(-1)).toMatchObject({ email: REP, status: 204 });
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      google.pubsub.pushEndpoint = null;
    }
  });

  it("the scheduled renewal re-watches every mailbox", async () => {
    const { renewGmailWatches } = await import("../../../src/orchestration/connection/gmail-sync.js");
    expect(await renewGmailWatches(t.app.background)).toEqual({ renewed: 1, failed: 0 });
    expect(google.gmail.watchCalls.get(REP)).toBe(2);
  });
});
