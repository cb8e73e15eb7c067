// One interface for every way a message can leave. A transport gets the full
// RFC 5322 message (built once by compose.ts) and its envelope; it answers
// with the provider's id, or throws a TransportError that says whether trying
// again could help.

export interface OutgoingMessage {
  tenantId: string;
  draftId: string;
  /** The Message-ID header value, fixed per draft: a transport that can, uses it to refuse a duplicate. */
  messageId: string;
  envelope: { from: string; to: string[] };
  subject: string;
  /** The complete message, headers and body, CRLF line endings. */
  raw: string;
}

export interface SendReceipt {
  providerMessageId: string;
  /** The provider's reply, for the audit trail (e.g. "250 2.0.0 OK queued"). */
  response?: string;
}

/**
 * What a transport knows about a message after a crash: it has it (it was
 * sent), it surely does not (safe to send), or it cannot tell (SMTP: an
 * accepted message leaves no trace we can ask about).
 */
export type DeliveryLookup = { status: "found"; providerMessageId: string } | { status: "not_found" } | { status: "unknown" };

export interface MessageRef {
  tenantId: string;
  messageId: string;
  /** The sender mailbox (a provider like Gmail is asked per mailbox). */
  mailbox: string;
}

export interface EmailTransport {
  readonly name: string;
  send(message: OutgoingMessage): Promise<SendReceipt>;
  /**
   * Several messages of one tenant at once (a send worker's batch), where the
   * transport can take them in one round trip (the local outbox). One answer
   * per message, in order: its receipt, or the error that message met.
   */
  sendMany?(messages: OutgoingMessage[]): Promise<(SendReceipt | Error)[]>;
  lookup(ref: MessageRef): Promise<DeliveryLookup>;
  /**
   * Every send first asks the provider whether this Message-ID already went
   * out, and returns that message instead of sending again (Gmail). Such a
   * transport's "uncertain" failure is retried: the retry asks before it sends.
   */
  readonly verifiesBeforeSend?: boolean;
  close?(): Promise<void>;
}

/**
 * - transient: not accepted; the same message may go through later (retry with backoff).
 * - permanent: refused for good (bad address, policy rejection): the draft ends FAILED.
 * - uncertain: the connection broke after the whole message was handed over, before the
 *   provider's answer: it may have been accepted. Never retried (that could send twice);
 *   the draft ends FAILED with the reason so a person can check.
 */
export type TransportErrorKind = "transient" | "permanent" | "uncertain";

export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: TransportErrorKind,
    readonly code?: string,
    /** The provider asked to wait this long before trying again (Retry-After), in ms. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

/** Any error from a transport as a TransportError: unknown failures count as transient (nothing was accepted). */
export function asTransportError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TransportError(message, "transient");
}
