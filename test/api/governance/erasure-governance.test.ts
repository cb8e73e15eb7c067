// Governance of erasure (issue 15): the OWNER-only governance settings, the
// four-eyes policy (a contactErase becomes a request; another OWNER or ADMIN
// approves it — never the requester — or rejects it with a reason; requests
// expire), audited and evented, and never reachable from another tenant; and
// the per-tenant erased-address hash key (sealed at rest, different per
// tenant), with suppressions written under the old constant salt still honoured.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../../src/data/database.js";
import { findErasureHashKey } from "../../../src/data/tenant-secret.js";
import { erasedAddressHash, legacyErasedAddressHash } from "../../../src/domain/governance/erasure.js";
import { expireErasureRequests } from "../../../src/orchestration/governance/erasure-request.js";
import { isErasedAddress } from "../../../src/orchestration/sending/suppression.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql } from "../../helpers/operator.js";

type Json = Record<string, any>;

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

async function gql(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

const SETTINGS = `mutation($s: JSON!) { tenantUpdateSettings(input: { settings: $s }) { userErrors { code field message } } }`;
const ERASE = `mutation($input: ContactEraseInput!) { contactErase(input: $input) {
  erasedContactId alreadyErased report { total } erasureRequest { id status requestedBy } userErrors { code field message } } }`;
const APPROVE = `mutation($id: ID!) { erasureRequestApprove(input: { erasureRequestId: $id }) {
  erasureRequest { id status decidedBy reason } report { total counts { kind count } } userErrors { code message } } }`;
const REJECT = `mutation($id: ID!, $reason: String!) { erasureRequestReject(input: { erasureRequestId: $id, reason: $reason }) {
  erasureRequest { id status decisionReason } userErrors { code message } } }`;

const erase = (token: string, contactId: string, reason = "Art. 17 request #7") =>
  gql(token, ERASE, { input: { contactId: encodeGlobalID("Contact", contactId), reason } }).then((d) => d.contactErase);
const contactExists = async (tenantId: string, id: string) => (await sql(t.db, `SELECT 1 FROM "Contact" WHERE "tenantId" = $1 AND "id" = $2`, [tenantId, id])).length === 1;
const events = (tenantId: string, prefix: string) =>
  sql<{ type: string; payload: Json }>(t.db, `SELECT "type", "payload" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" LIKE $2 ORDER BY "createdAt", "id"`, [tenantId, `${prefix}%`]);
const audits = (tenantId: string, prefix: string) =>
  sql<{ action: string; actorLabel: string; summary: Json }>(t.db, `SELECT "action", "actorLabel", "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" LIKE $2 ORDER BY "createdAt", "id"`, [tenantId, `${prefix}%`]);

beforeAll(async () => {
  t = await startTestApp({ env: { RATE_LIMIT_TENANT_POINTS: "5000", RATE_LIMIT_CALLER_POINTS: "1000" } });
  a = await createTenant(t, "gov-a");
  b = await createTenant(t, "gov-b");
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe("governance settings", () => {
  it("are off by default and set by an OWNER only, within the platform's request budget", async () => {
    const read = await gql(a.members.ADMIN.token, `{ tenant { settings } }`);
    expect(read.tenant.settings.governance).toEqual({ erasureFourEyes: false, erasureRequestTtlHours: 72, apiRateLimit: { tenantPoints: null, callerPoints: null } });

    const byAdmin = await gql(a.members.ADMIN.token, SETTINGS, { s: { governance: { erasureFourEyes: true } } });
    expect(byAdmin.tenantUpdateSettings.userErrors).toEqual([expect.objectContaining({ code: "FORBIDDEN", field: ["input", "settings", "governance"] })]);
    // An ADMIN still changes the other sections.
    expect((await gql(a.members.ADMIN.token, SETTINGS, { s: { general: { timeZone: "Europe/Berlin" } } })).tenantUpdateSettings.userErrors).toEqual([]);

    const tooHigh = await gql(a.members.OWNER.token, SETTINGS, { s: { governance: { apiRateLimit: { tenantPoints: 5001 } } } });
    expect(tooHigh.tenantUpdateSettings.userErrors).toEqual([expect.objectContaining({ code: "VALIDATION_FAILED", field: ["input", "settings", "governance", "apiRateLimit", "tenantPoints"] })]);

    const byOwner = await gql(a.members.OWNER.token, SETTINGS, { s: { governance: { erasureFourEyes: true, erasureRequestTtlHours: 24 } } });
    expect(byOwner.tenantUpdateSettings.userErrors).toEqual([]);
    // Only tenant A's policy changed.
    expect((await gql(b.members.OWNER.token, `{ tenant { settings } }`)).tenant.settings.governance.erasureFourEyes).toBe(false);
  });
});

describe("four-eyes erasure", () => {
  it("turns contactErase into a request that another OWNER or ADMIN approves; the requester cannot", async () => {
    const contactId = await insertContact(t.db, a.tenantId, { email: "rowan.fairweather@four-eyes.example", firstName: "Rowan" });
    const filed = await erase(a.members.MANAGER.token, contactId, "Request from Rowan Fairweather");
    expect(filed.userErrors).toEqual([]);
    expect(filed.report).toBeNull();
    expect(filed.erasureRequest).toMatchObject({ status: "PENDING", requestedBy: `user:${a.members.MANAGER.email}` });
    expect(await contactExists(a.tenantId, contactId)).toBe(true);
    // Asking again returns the same pending request.
    expect((await erase(a.members.OWNER.token, contactId)).erasureRequest.id).toBe(filed.erasureRequest.id);

    const id = filed.erasureRequest.id;
    // The requester is a MANAGER: no erasure:approve at all.
    const byManager = await execute<Json, Record<string, unknown>>(t.graphqlUrl, APPROVE, { id }, { token: a.members.MANAGER.token });
    expect(byManager.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // Another tenant's ADMIN cannot see it.
    expect((await gql(b.members.ADMIN.token, APPROVE, { id })).erasureRequestApprove.userErrors).toEqual([expect.objectContaining({ code: "NOT_FOUND" })]);
    expect((await gql(b.members.ADMIN.token, `{ erasureRequests { id } }`)).erasureRequests).toEqual([]);
    expect(await contactExists(a.tenantId, contactId)).toBe(true);

    const approved = (await gql(a.members.ADMIN.token, APPROVE, { id })).erasureRequestApprove;
    expect(approved.userErrors).toEqual([]);
    expect(approved.erasureRequest).toMatchObject({ status: "APPROVED", decidedBy: `user:${a.members.ADMIN.email}`, reason: "Request from [erased] Fairweather" }); // only the first name was on record
    expect(approved.report.total).toBeGreaterThan(0);
    expect(await contactExists(a.tenantId, contactId)).toBe(false);
    // The tombstone names the requester; a second approval is refused.
    expect(await sql(t.db, `SELECT "requestedByLabel" FROM "ContactErasure" WHERE "tenantId" = $1 AND "contactId" = $2`, [a.tenantId, contactId])).toEqual([{ requestedByLabel: `user:${a.members.MANAGER.email}` }]);
    expect((await gql(a.members.OWNER.token, APPROVE, { id })).erasureRequestApprove.userErrors).toEqual([expect.objectContaining({ code: "ERASURE_REQUEST_NOT_PENDING" })]);

    expect((await audits(a.tenantId, "contact.eras")).map((e) => [e.action, e.actorLabel])).toEqual([
      ["contact.erasure_requested", `user:${a.members.MANAGER.email}`],
      ["contact.erased", `user:${a.members.ADMIN.email}`],
      ["contact.erasure_approved", `user:${a.members.ADMIN.email}`],
    ]);
    expect((await events(a.tenantId, "sales.erasure.")).map((e) => e.type)).toEqual(["sales.erasure.requested", "sales.erasure.approved"]);
    expect(JSON.stringify(await events(a.tenantId, "sales.erasure."))).not.toMatch(/rowan|fairweather/i);
  });

  it("refuses an OWNER approving their own request, and takes a rejection with its reason", async () => {
    const contactId = await insertContact(t.db, a.tenantId, { email: "sol@four-eyes.example" });
    const id = (await erase(a.members.OWNER.token, contactId)).erasureRequest.id;
    const own = (await gql(a.members.OWNER.token, APPROVE, { id })).erasureRequestApprove;
    expect(own.userErrors).toEqual([expect.objectContaining({ code: "SELF_APPROVAL_FORBIDDEN" })]);
    // Another tenant cannot reject it either.
    expect((await gql(b.members.OWNER.token, REJECT, { id, reason: "no" })).erasureRequestReject.userErrors).toEqual([expect.objectContaining({ code: "NOT_FOUND" })]);

    const rejected = (await gql(a.members.ADMIN.token, REJECT, { id, reason: "The request came from someone else" })).erasureRequestReject;
    expect(rejected.userErrors).toEqual([]);
    expect(rejected.erasureRequest).toMatchObject({ status: "REJECTED", decisionReason: "The request came from someone else" });
    expect(await contactExists(a.tenantId, contactId)).toBe(true);
    expect((await gql(a.members.ADMIN.token, APPROVE, { id })).erasureRequestApprove.userErrors).toEqual([expect.objectContaining({ code: "ERASURE_REQUEST_NOT_PENDING" })]);
    expect((await audits(a.tenantId, "contact.erasure_rejected")).map((e) => e.summary.reason)).toEqual(["The request came from someone else"]);
  });

  it("lets a request expire: it reads EXPIRED, cannot be approved, and maintenance records it", async () => {
    const contactId = await insertContact(t.db, a.tenantId, { email: "late@four-eyes.example" });
    const id = (await erase(a.members.MANAGER.token, contactId)).erasureRequest.id;
    await sql(t.db, `UPDATE "ErasureRequest" SET "expiresAt" = now() - interval '1 minute' WHERE "tenantId" = $1 AND "contactId" = $2`, [a.tenantId, contactId]);
    expect((await gql(a.members.ADMIN.token, `{ erasureRequests(status: EXPIRED) { id status } }`)).erasureRequests).toEqual([{ id, status: "EXPIRED" }]);
    expect((await gql(a.members.ADMIN.token, APPROVE, { id })).erasureRequestApprove.userErrors).toEqual([expect.objectContaining({ code: "ERASURE_REQUEST_EXPIRED" })]);
    expect(await expireErasureRequests(t.app.services, b.tenantId)).toBe(0);
    expect(await expireErasureRequests(t.app.services, a.tenantId)).toBe(1);
    expect(await expireErasureRequests(t.app.services, a.tenantId)).toBe(0);
    expect(await sql(t.db, `SELECT "status"::text FROM "ErasureRequest" WHERE "tenantId" = $1 AND "contactId" = $2`, [a.tenantId, contactId])).toEqual([{ status: "EXPIRED" }]);
    expect((await events(a.tenantId, "sales.erasure.expired")).length).toBe(1);
    // A new request can be filed for the same contact.
    expect((await erase(a.members.MANAGER.token, contactId)).erasureRequest.status).toBe("PENDING");
  });

  it("leaves contactErase immediate where the policy is off", async () => {
    const contactId = await insertContact(t.db, b.tenantId, { email: "direct@four-eyes.example" });
    const done = await erase(b.members.MANAGER.token, contactId);
    expect(done.erasureRequest).toBeNull();
    expect(done.report.total).toBeGreaterThan(0);
    expect(await contactExists(b.tenantId, contactId)).toBe(false);
  });
});

describe("erased-address hash key", () => {
  it("is the tenant's own, sealed at rest; the same address hashes differently per tenant; legacy hashes still suppress", async () => {
    const address = "shared.person@hash-key.example";
    const aContact = await insertContact(t.db, a.tenantId, { email: address });
    const bContact = await insertContact(t.db, b.tenantId, { email: address });
    await patchSettings(t.db, a.tenantId, { governance: { erasureFourEyes: false } });
    expect((await erase(a.members.MANAGER.token, aContact)).report.total).toBeGreaterThan(0);
    expect((await erase(b.members.MANAGER.token, bContact)).report.total).toBeGreaterThan(0);

    const stored = await sql<{ tenantId: string; secret: string }>(t.db, `SELECT "tenantId", "secret" FROM "TenantSecret" WHERE "purpose" = 'ERASURE_HASH' AND "tenantId" IN ($1, $2)`, [a.tenantId, b.tenantId]);
    expect(stored).toHaveLength(2);
    for (const row of stored) expect(row.secret).toMatch(/^enc1:/);
    const keyOf = (tenantId: string) => withTenant(t.app.services.db.prisma, { tenantId }, (tx) => findErasureHashKey(tx));
    const [keyA, keyB] = [await keyOf(a.tenantId), await keyOf(b.tenantId)];
    expect(keyA!.length).toBe(32);
    expect(keyA!.equals(keyB!)).toBe(false);
    const hashes = async (tenantId: string) =>
      (await sql<{ value: string }>(t.db, `SELECT "value" FROM "Suppression" WHERE "tenantId" = $1 AND "kind" = 'EMAIL_HASH'`, [tenantId])).map((r) => r.value);
    expect(await hashes(a.tenantId)).toContain(erasedAddressHash(keyA!, address));
    expect(await hashes(b.tenantId)).toContain(erasedAddressHash(keyB!, address));
    expect(await hashes(a.tenantId)).not.toContain(erasedAddressHash(keyB!, address));

    // A suppression written before the per-tenant key (the constant salt) keeps the person out.
    const old = "erased.before@hash-key.example";
    await sql(t.db, `INSERT INTO "Suppression" ("id", "tenantId", "kind", "value", "reason", "createdByType", "createdById", "createdByLabel") VALUES (gen_random_uuid(), $1, 'EMAIL_HASH', $2, 'ERASED', 'USER', 'x', 'user:x')`, [
      a.tenantId,
      legacyErasedAddressHash(old),
    ]);
    const erased = (tenantId: string, email: string) => withTenant(t.app.services.db.prisma, { tenantId }, (tx) => isErasedAddress(tx, email));
    expect(await erased(a.tenantId, old)).toBe(true);
    expect(await erased(a.tenantId, address)).toBe(true);
    expect(await erased(b.tenantId, old)).toBe(false);
    expect(await erased(a.tenantId, "someone.else@hash-key.example")).toBe(false);
  });
});
