// The Gmail transport: sends as a connected mailbox through
// users.messages.send (the draft's own raw RFC 5322 message, base64url, with
// its fixed Message-ID) and answers lookups by that Message-ID
// (users.messages.list q="rfc822msgid:<id> in:sent"), so a crashed send is
// recovered without sending twice. A reply goes into the original Gmail
// thread: the thread of the message its In-Reply-To names, looked up in the
// same mailbox. gmailApiFor asks before every send whether the Message-ID
// already went out (a retry after a lost answer, a second instance), and
// returns that message instead of sending again.
import { messageIdHeader, type MailboxClient } from "../google/gmail.js";
import { GoogleApiError } from "../google/errors.js";
import { TransportError, type DeliveryLookup, type EmailTransport, type MessageRef, type OutgoingMessage, type SendReceipt } from "./transport.js";

/** What the transport needs of one mailbox (gmailApiFor builds it from a MailboxClient). */
export interface GmailApi {
  /** users.messages.send({ userId: "me", requestBody: { raw, threadId } }) → the Gmail message id. */
  sendRaw(rawBase64Url: string, options?: { threadId?: string | null }): Promise<{ id: string; threadId?: string }>;
  /** users.messages.list({ userId: "me", q: `rfc822msgid:${messageId} in:sent` }) → the first id, or null. */
  findByMessageId(messageId: string): Promise<string | null>;
  /** The Gmail thread of a message in the mailbox by its Message-ID (for replies), or null. */
  threadIdOf?(messageId: string): Promise<string | null>;
}

/** Resolves the Gmail client of a sender mailbox (null when the mailbox is not connected). */
export type GmailMailboxResolver = (tenantId: string, mailbox: string) => Promise<GmailApi | null>;

/** A GmailApi over our Gmail adapter (src/integrations/google/gmail.ts). */
export function gmailApiFor(client: MailboxClient): GmailApi {
  return {
    async sendRaw(rawBase64Url, options) {
      const raw = Buffer.from(rawBase64Url, "base64url").toString("utf8");
      const messageId = messageIdHeader(raw);
      if (messageId) {
        // Already sent (a retry after a lost answer, another instance)? Never a second send.
        let existing: { id: string; threadId: string } | null;
        try {
          existing = await client.findSentByMessageId(messageId);
        } catch (error) {
          // Could not ask: nothing was sent yet, so trying later is safe.
          const mapped = sendError(error);
          throw mapped.kind === "uncertain" ? new TransportError("Gmail could not be asked whether the message was already sent.", "transient", "GMAIL_UNAVAILABLE") : mapped;
        }
        if (existing) return { id: existing.id, threadId: existing.threadId };
      }
      const sent = await client.send({ raw, threadId: options?.threadId ?? null });
      return { id: sent.id, threadId: sent.threadId };
    },
    async findByMessageId(messageId) {
      return (await client.findSentByMessageId(messageId))?.id ?? null;
    },
    async threadIdOf(messageId) {
      return (await client.findByMessageId(messageId))?.threadId ?? null;
    },
  };
}

function inReplyTo(raw: string): string | null {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const value = /^in-reply-to:\s*(.+)$/im.exec(head)?.[1];
  return value?.match(/<([^>]+)>/)?.[1] ?? null;
}

/** A send failure as a TransportError: only Google's explicit "later" (429, 503) is retried. */
function sendError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const name = (error as { name?: unknown })?.name;
  if (name === "ConnectionUnavailableError") return new TransportError("The Gmail connection needs to be connected again.", "permanent", "GMAIL_NEEDS_REAUTH");
  if (name === "ConnectorUnavailableError") {
    const wait = (error as { retryAfterMs?: unknown }).retryAfterMs;
    return new TransportError("Gmail is unavailable right now (circuit open or rate limited).", "transient", "GMAIL_UNAVAILABLE", typeof wait === "number" && wait > 0 ? wait : null);
  }
  if (error instanceof GoogleApiError) {
    if (error.kind === "REAUTH") return new TransportError("Gmail refused the credentials; the mailbox must be connected again.", "permanent", "GMAIL_NEEDS_REAUTH");
    if (error.status === 429 || error.status === 503) return new TransportError(`Gmail asked to try later (HTTP ${error.status}).`, "transient", "GMAIL_RATE_LIMITED", error.retryAfterMs);
    if (error.status !== null && error.status < 500) return new TransportError(`Gmail refused the message (HTTP ${error.status}${error.reason ? `, ${error.reason}` : ""}).`, "permanent", "GMAIL_REFUSED");
  }
  // A 5xx or a lost answer: Gmail may have accepted it. (Retried only because every send asks Gmail first: verifiesBeforeSend.)
  const retryAfterMs = error instanceof GoogleApiError ? error.retryAfterMs : null;
  return new TransportError("Gmail did not confirm the send; it may have been accepted.", "uncertain", "GMAIL_UNCONFIRMED", retryAfterMs);
}

export function createGmailTransport(resolve: GmailMailboxResolver): EmailTransport {
  async function clientFor(tenantId: string, mailbox: string): Promise<GmailApi> {
    const client = await resolve(tenantId, mailbox);
    if (!client) throw new TransportError(`The mailbox ${mailbox} is not connected to Gmail.`, "permanent", "GMAIL_NOT_CONNECTED");
    return client;
  }
  const bare = (id: string) => id.trim().replace(/^<|>$/g, "");
  return {
    name: "gmail",
    verifiesBeforeSend: true,
    async send(message: OutgoingMessage): Promise<SendReceipt> {
      const client = await clientFor(message.tenantId, message.envelope.from);
      let threadId: string | null = null;
      const parent = inReplyTo(message.raw);
      if (parent && client.threadIdOf) {
        try {
          threadId = await client.threadIdOf(parent);
        } catch (error) {
          // Nothing was sent yet: a failure to find the thread is safe to retry.
          const mapped = sendError(error);
          throw mapped.kind === "uncertain" ? new TransportError("Gmail could not be asked for the reply's thread.", "transient", "GMAIL_UNAVAILABLE") : mapped;
        }
      }
      try {
        const { id } = await client.sendRaw(Buffer.from(message.raw, "utf8").toString("base64url"), threadId ? { threadId } : undefined);
        return { providerMessageId: `gmail:${id}` };
      } catch (error) {
        throw sendError(error);
      }
    },
    async lookup({ tenantId, mailbox, messageId }: MessageRef): Promise<DeliveryLookup> {
      const client = await resolve(tenantId, mailbox);
      if (!client) return { status: "unknown" };
      const id = await client.findByMessageId(bare(messageId));
      return id ? { status: "found", providerMessageId: `gmail:${id}` } : { status: "not_found" };
    },
  };
}
