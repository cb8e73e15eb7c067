// The signed unsubscribe link end to end: a marketing send carries it; GET
// shows a confirmation page and changes nothing (link scanners); POST — our
// form or a mail client's RFC 8058 one-click — unsubscribes, once, audited as
// the tenant's agent; forged or altered links get the same 404 and no hint.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUnsubscribeToken, verifyUnsubscribeToken } from "../../../src/domain/sending/unsubscribe-token.js";
import { deliverDraft } from "../../../src/orchestration/draft/draft-delivery.js";
import { approveDraft, createDraft, sendDraft } from "../../../src/orchestration/draft/draft.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { headersOf, insertContact, patchSettings, sql, startOperatorApp, textBodyOf, userActor } from "../../helpers/operator.js";

let t: TestApp;
let tenant: TestTenant;
let otherTenant: TestTenant;
const RECIPIENT = "reader@client.example";
let link: string;

beforeAll(async () => {
  t = await startOperatorApp();
  tenant = await createTenant(t, "unsub");
  otherTenant = await createTenant(t, "unsub-other");
  await patchSettings(t.db, tenant.tenantId, {
    sending: { mode: "SEND_ALLOWED", mailboxes: ["news@acme.example"], postalAddress: "Acme Inc, 500 Market St, San Francisco, CA 94105" },
  });
  const actor = userActor(tenant);
  const contactId = await insertContact(t.db, tenant.tenantId, { email: RECIPIENT });
  const created = await createDraft(t.app.services, actor, {
    recipient: { contactId },
    subject: "Our spring webinar",
    bodyText: "Join our spring webinar on pipeline hygiene for growing sales teams. Sign-up is on our site.",
    category: "MARKETING",
  });
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  const draftId = created.value.draftId;
  expect((await approveDraft(t.app.services, actor, { draftId })).ok).toBe(true);
  expect((await sendDraft(t.app.services, actor, { draftId })).ok).toBe(true);
  expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId })).outcome).toBe("sent");
  const [message] = await sql<{ raw: string }>(t.db, `SELECT "raw" FROM "OutboxMessage" WHERE "draftId" = $1`, [draftId]);
  link = /Unsubscribe: (\S+)/.exec(textBodyOf(message!.raw))![1]!;
  expect(headersOf(message!.raw)["list-unsubscribe"]).toBe(`<${link}>`);
});
afterAll(() => t?.close());

async function suppressions(tenantId: string) {
  return sql<{ value: string; reason: string; createdByLabel: string }>(t.db, `SELECT "value", "reason"::text AS reason, "createdByLabel" FROM "Suppression" WHERE "tenantId" = $1`, [tenantId]);
}

describe("the unsubscribe link in a sent marketing e-mail", () => {
  it("GET shows a confirmation page and unsubscribes nobody", async () => {
    const res = await fetch(link);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain("re****@client.example");
    expect(html).not.toContain(RECIPIENT);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await suppressions(tenant.tenantId)).toEqual([]);
  });

  it("POST (RFC 8058 one-click) unsubscribes the address, audited as the tenant's agent; again is harmless", async () => {
    const res = await fetch(link, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("You are unsubscribed");
    expect(await suppressions(tenant.tenantId)).toEqual([{ value: RECIPIENT, reason: "UNSUBSCRIBED", createdByLabel: "agent:unsubscribe" }]);
    const audit = await sql(t.db, `SELECT "action", "actorType"::text AS "actorType", "actorId" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'suppression.added'`, [tenant.tenantId]);
    expect(audit).toEqual([{ action: "suppression.added", actorType: "AGENT", actorId: "unsubscribe" }]);

    const again = await fetch(link, { method: "POST" });
    expect(again.status).toBe(200);
    expect(await suppressions(tenant.tenantId)).toHaveLength(1);
    expect((await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'suppression.added'`, [tenant.tenantId])).length).toBe(1);
    const page = await (await fetch(link)).text();
    expect(page).toContain("You are unsubscribed");
    // And the other tenant is untouched.
    expect(await suppressions(otherTenant.tenantId)).toEqual([]);
  });

  it("refuses forged and tampered links with the same 404, for GET and POST, and changes nothing", async () => {
    const token = link.split("/unsubscribe/")[1]!;
    const [version, body, signature] = token.split(".") as [string, string, string];
    const otherBody = Buffer.from(JSON.stringify({ t: tenant.tenantId, e: "someone-else@client.example" })).toString("base64url");
    const flipped = signature.slice(0, -1) + (signature.endsWith("A") ? "B" : "A");
    const candidates = [
      `${version}.${otherBody}.${signature}`, // someone else's address, old signature
      `${version}.${body}.${flipped}`, // one character of the signature changed
      `${version}.${body}.${signature.slice(0, -2)}`, // truncated
      signUnsubscribeToken("a-different-secret-that-is-long-enough", { tenantId: tenant.tenantId, email: "x@client.example" }), // signed with another key
      signUnsubscribeToken(t.app.services.mail.unsubscribeSecret, { tenantId: "0190a000-0000-7000-8000-000000000000", email: "x@client.example" }), // genuine, for no tenant
      "garbage",
      "u1..",
    ];
    const before = await sql(t.db, `SELECT count(*)::int AS n FROM "Suppression"`);
    const pages = new Set<string>();
    for (const candidate of candidates) {
      for (const method of ["GET", "POST"]) {
        const res = await fetch(`${t.url}/unsubscribe/${encodeURIComponent(candidate)}`, { method });
        expect({ candidate, method, status: res.status }).toEqual({ candidate, method, status: 404 });
        pages.add(await res.text());
      }
    }
    expect(pages.size).toBe(1);
    expect(await sql(t.db, `SELECT count(*)::int AS n FROM "Suppression"`)).toEqual(before);
  });
});

describe("unsubscribe tokens", () => {
  const secret = "s".repeat(40);
  it("round-trip the tenant and the lower-cased address", () => {
    const token = signUnsubscribeToken(secret, { tenantId: "0190a000-0000-7000-8000-000000000001", email: "Ana@Client.Example" });
    expect(verifyUnsubscribeToken(secret, token)).toEqual({ tenantId: "0190a000-0000-7000-8000-000000000001", email: "ana@client.example" });
  });
  it("fail for every single-character change", () => {
    const token = signUnsubscribeToken(secret, { tenantId: "0190a000-0000-7000-8000-000000000001", email: "ana@client.example" });
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    for (let i = 0; i < token.length; i++) {
      const replacement = alphabet[(alphabet.indexOf(token[i]!) + 1) % alphabet.length]!;
      const changed = token.slice(0, i) + replacement + token.slice(i + 1);
      expect(verifyUnsubscribeToken(secret, changed)).toBeNull();
    }
  });
});
