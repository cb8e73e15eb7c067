// The Gmail transport's seam, completed by the integrations issue: that issue
// supplies a GmailApi per connected mailbox (googleapis' gmail.users.messages
// with the mailbox's OAuth token). The adapter below already speaks the
// transport interface: it sends the same raw RFC 5322 message
// (users.messages.send with `raw`, base64url) and answers lookups by the
// Message-ID header (users.messages.list with q="rfc822msgid:<id>"), so a
// crashed send is recovered without sending twice.
import { TransportError, type DeliveryLookup, type EmailTransport, type MessageRef, type OutgoingMessage, type SendReceipt } from "./transport.js";

/** What the integrations issue must provide for one mailbox. */
export interface GmailApi {
  /** users.messages.send({ userId: "me", requestBody: { raw } }) → the Gmail message id. */
  sendRaw(rawBase64Url: string): Promise<{ id: string }>;
  /** users.messages.list({ userId: "me", q: `rfc822msgid:${messageId}` }) → the first id, or null. */
  findByMessageId(messageId: string): Promise<string | null>;
}

/** Resolves the Gmail client of a sender mailbox (null when the mailbox is not connected). */
export type GmailMailboxResolver = (tenantId: string, mailbox: string) => Promise<GmailApi | null>;

export function createGmailTransport(resolve: GmailMailboxResolver): EmailTransport {
  async function clientFor(tenantId: string, mailbox: string): Promise<GmailApi> {
    const client = await resolve(tenantId, mailbox);
    if (!client) throw new TransportError(`The mailbox ${mailbox} is not connected to Gmail.`, "permanent", "GMAIL_NOT_CONNECTED");
    return client;
  }
  return {
    name: "gmail",
    async send(message: OutgoingMessage): Promise<SendReceipt> {
      const client = await clientFor(message.tenantId, message.envelope.from);
      const { id } = await client.sendRaw(Buffer.from(message.raw, "utf8").toString("base64url"));
      return { providerMessageId: `gmail:${id}` };
    },
    async lookup({ tenantId, mailbox, messageId }: MessageRef): Promise<DeliveryLookup> {
      const client = await resolve(tenantId, mailbox);
      if (!client) return { status: "unknown" };
      const id = await client.findByMessageId(messageId.replace(/^<|>$/g, ""));
      return id ? { status: "found", providerMessageId: `gmail:${id}` } : { status: "not_found" };
    },
  };
}
