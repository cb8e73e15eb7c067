// The Gmail transport (src/integrations/email/gmail.ts) over the Gmail
// adapter and the real SDK against the wire-level fake: a reply lands in the
// original thread with In-Reply-To/References intact; a repeated send of the
// same draft (retry after a lost answer, a crash between send and record, a
// second instance) never reaches Gmail twice — proven by the fake's received
// count; the crash check finds the sent message; failures map to the right
// TransportError kind.
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { composeMessage } from "../../../src/integrations/email/compose.js";
import { createGmailTransport, gmailApiFor } from "../../../src/integrations/email/gmail.js";
import type { OutgoingMessage } from "../../../src/integrations/email/transport.js";
import { createMailboxClient, replyHeaders } from "../../../src/integrations/google/gmail.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";

const REP = "rep@seller.example";
let google: FakeGoogle;

function transport() {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: "tok-rep", expiry_date: Date.now() + 3_600_000 });
  const client = createMailboxClient({ auth, rootUrl: google.rootUrl });
  return createGmailTransport(async (_tenantId, mailbox) => (mailbox === REP ? gmailApiFor(client) : null));
}

async function outgoing(draftId: string, extraHeaders: Record<string, string> = {}): Promise<OutgoingMessage> {
  const messageId = `<draft-${draftId}@seller.example>`;
  const raw = await composeMessage({ messageId, from: { address: REP, name: "Rep" }, to: "buyer@customer.example", subject: "Re: Pilot", text: "Tuesday works.", date: new Date(), headers: extraHeaders });
  return { tenantId: "t1", draftId, messageId, envelope: { from: REP, to: ["buyer@customer.example"] }, subject: "Re: Pilot", raw };
}

beforeAll(async () => {
  google = await startFakeGoogle();
  google.addToken("tok-rep", REP);
});

afterAll(async () => {
  await google.close();
});

beforeEach(() => {
  google.gmail.mailboxes.clear();
  google.gmail.sent.length = 0;
});

describe("Gmail transport", () => {
  it("replies in the original thread, keeping the draft's Message-ID, In-Reply-To and References", async () => {
    const inbound = google.gmail.deliver(REP, {
      raw: "From: buyer@customer.example\r\nTo: rep@seller.example\r\nSubject: Re: Pilot\r\nMessage-ID: <b-1@customer.example>\r\nReferences: <draft-0@seller.example>\r\n\r\nWhen can we talk?\r\n",
    });
    const message = await outgoing("1", replyHeaders({ messageId: "<b-1@customer.example>", references: "<draft-0@seller.example>" }));
    const receipt = await transport().send(message);
    expect(google.gmail.sendCount(REP)).toBe(1);
    const sent = google.gmail.sent[0]!;
    expect(receipt.providerMessageId).toBe(`gmail:${sent.id}`);
    expect(sent.threadId).toBe(inbound.threadId);
    expect(sent.messageId).toBe("<draft-1@seller.example>");
    expect(sent.raw).toMatch(/^In-Reply-To: <b-1@customer\.example>$/m);
    expect(sent.raw).toMatch(/^References: <draft-0@seller\.example> <b-1@customer\.example>$/m);
  });

  it("a message that is not a reply starts a new thread", async () => {
    await transport().send(await outgoing("2"));
    expect(google.gmail.sent[0]!.threadId).toBe(google.gmail.sent[0]!.id);
  });

  it("sending the same draft again never reaches Gmail twice; the crash check finds it", async () => {
    const message = await outgoing("3");
    const sendsBefore = google.requests["POST /gmail/v1/users/me/messages/send"] ?? 0;
    const first = await transport().send(message);
    // A second instance (or a retry after the answer was lost) sends the same draft.
    const second = await transport().send(message);
    expect(second.providerMessageId).toBe(first.providerMessageId);
    expect(google.gmail.sendCount(REP)).toBe(1);
    expect(google.requests["POST /gmail/v1/users/me/messages/send"]! - sendsBefore).toBe(1);
    // The sweeper after a crash between send and record.
    expect(await transport().lookup({ tenantId: "t1", mailbox: REP, messageId: message.messageId })).toEqual({ status: "found", providerMessageId: first.providerMessageId });
    expect(await transport().lookup({ tenantId: "t1", mailbox: REP, messageId: "<draft-404@seller.example>" })).toEqual({ status: "not_found" });
    expect(await transport().lookup({ tenantId: "t1", mailbox: "other@seller.example", messageId: message.messageId })).toEqual({ status: "unknown" });
  });

  it("maps failures: 429 transient, 401 permanent (reconnect), 500 on send uncertain, 500 before sending transient", async () => {
    const t = transport();
    google.failNext({ status: 429, retryAfter: 3, path: /messages\/send$/ });
    await expect(t.send(await outgoing("4"))).rejects.toMatchObject({ kind: "transient", code: "GMAIL_RATE_LIMITED" });
    google.failNext({ status: 500, path: /messages\/send$/ });
    await expect(t.send(await outgoing("5"))).rejects.toMatchObject({ kind: "uncertain", code: "GMAIL_UNCONFIRMED" });
    google.failNext({ status: 500, path: /messages$/ }); // the already-sent check
    await expect(t.send(await outgoing("6"))).rejects.toMatchObject({ kind: "transient", code: "GMAIL_UNAVAILABLE" });
    expect(google.gmail.sendCount()).toBe(0);
    const stranger = new OAuth2Client();
    stranger.setCredentials({ access_token: "revoked", expiry_date: Date.now() + 3_600_000 });
    const refused = createGmailTransport(async () => gmailApiFor(createMailboxClient({ auth: stranger, rootUrl: google.rootUrl })));
    await expect(refused.send(await outgoing("7"))).rejects.toMatchObject({ kind: "permanent", code: "GMAIL_NEEDS_REAUTH" });
    await expect(createGmailTransport(async () => null).send(await outgoing("8"))).rejects.toMatchObject({ kind: "permanent", code: "GMAIL_NOT_CONNECTED" });
  });
});
