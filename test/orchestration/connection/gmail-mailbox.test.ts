// The Gmail transport through a connected mailbox: the resolver finds the
// sender's ACTIVE Google connection (real OAuth flow against the fake), every
// call runs through callWithConnection, the message reaches the fake Gmail
// exactly once even when sent twice, the crash check finds it, an
// unconnected mailbox is refused, and a grant revoked at Google ends the send
// as permanent with the connection NEEDS_REAUTH.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeMessage } from "../../../src/integrations/email/compose.js";
import { createGmailTransport } from "../../../src/integrations/email/gmail.js";
import type { OutgoingMessage } from "../../../src/integrations/email/transport.js";
import { withConnectors } from "../../../src/orchestration/connection/connection.js";
import { gmailMailboxResolver } from "../../../src/orchestration/connection/gmail-mailbox.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { sql } from "../../helpers/operator.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";
import { connectGoogle, fakeGoogleEnv } from "../../helpers/google.js";

const SDR = "sdr@mailbox.example";
let t: TestApp;
let google: FakeGoogle;
let tenant: TestTenant;

beforeAll(async () => {
  google = await startFakeGoogle();
  t = await startTestApp({
    env: {
      ...fakeGoogleEnv(google),
      CONNECTOR_RETRY_BASE_MS: "10",
    },
  });
  tenant = await createTenant(t, "gmailbox");
  await connectGoogle(t, google, { tenant, role: "OPERATOR" }, SDR, { scopes: ["gmail.send", "gmail.readonly"] });
});

afterAll(async () => {
  await t?.close();
  await google?.close();
});

async function outgoing(draftId: string, from = SDR): Promise<OutgoingMessage> {
  const messageId = `<draft-${draftId}@mailbox.example>`;
  const raw = await composeMessage({ messageId, from: { address: from }, to: "buyer@customer.example", subject: "Pilot", text: "Hello.", date: new Date() });
  return { tenantId: tenant.tenantId, draftId, messageId, envelope: { from, to: ["buyer@customer.example"] }, subject: "Pilot", raw };
}

describe("Gmail transport through a connected mailbox", () => {
  it("sends once as the connected mailbox, however often it is asked, and the crash check finds it", async () => {
    const transport = createGmailTransport(gmailMailboxResolver(withConnectors(t.app.services)));
    const message = await outgoing("1");
    const first = await transport.send(message);
    const again = await transport.send(message);
    expect(again.providerMessageId).toBe(first.providerMessageId);
    expect(google.gmail.sendCount(SDR)).toBe(1);
    expect(google.gmail.sent[0]!.messageId).toBe(message.messageId);
    expect(await transport.lookup({ tenantId: tenant.tenantId, mailbox: SDR, messageId: message.messageId })).toEqual({ status: "found", providerMessageId: first.providerMessageId });
    const rows = await sql<{ lastSuccessAt: Date | null }>(t.db, `SELECT "lastSuccessAt" FROM "Connection" WHERE "accountEmail" = $1`, [SDR]);
    expect(rows[0]!.lastSuccessAt).not.toBeNull();
  });

  it("a mailbox without a connection is refused for good; lookup says unknown", async () => {
    const transport = createGmailTransport(gmailMailboxResolver(withConnectors(t.app.services)));
    await expect(transport.send(await outgoing("2", "nobody@mailbox.example"))).rejects.toMatchObject({ kind: "permanent", code: "GMAIL_NOT_CONNECTED" });
    expect(await transport.lookup({ tenantId: tenant.tenantId, mailbox: "nobody@mailbox.example", messageId: "<x@y>" })).toEqual({ status: "unknown" });
  });

  it("a grant revoked at Google: permanent GMAIL_NEEDS_REAUTH, nothing sent, the connection NEEDS_REAUTH", async () => {
    const transport = createGmailTransport(gmailMailboxResolver(withConnectors(t.app.services)));
    const before = google.gmail.sendCount();
    google.oauth.revokeUser(SDR);
    google.oauth.expireAccessTokens();
    await expect(transport.send(await outgoing("3"))).rejects.toMatchObject({ kind: "permanent", code: "GMAIL_NEEDS_REAUTH" });
    expect(google.gmail.sendCount()).toBe(before);
    const rows = await sql<{ status: string }>(t.db, `SELECT "status" FROM "Connection" WHERE "accountEmail" = $1`, [SDR]);
    expect(rows[0]!.status).toBe("NEEDS_REAUTH");
  });
});
