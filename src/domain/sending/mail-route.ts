// Which transport a draft leaves through, decided per sending mailbox at
// claim time (issue 10, Gmail Send). Pure: the caller reads the tenant's
// Google connections for that address and the mailbox's setting.
//
// The rule (tenant setting `sending.mailboxTransports`, one entry per mailbox,
// AUTO when absent):
// - DEFAULT: the instance's global transport (MAIL_TRANSPORT), whatever is connected.
// - GMAIL:   Gmail through the mailbox's ACTIVE Google connection; without one the send is refused.
// - AUTO:    Gmail when the tenant has a Google connection for this address that
//            was granted a send scope, in whatever status; else the global transport.
// A mailbox bound to Gmail whose connection is NEEDS_REAUTH, REVOKED or ERROR
// is refused with a reason — never a silent fall-back to another transport
// (the message would leave from a different server than the one the rep and
// the recipient expect). An admin who wants the global transport for it says
// so explicitly: mailboxTransports[mailbox] = "DEFAULT".
import { GOOGLE_SCOPES, type ConnectionStatus } from "../connection/connection.js";

export const MAILBOX_TRANSPORT_CHOICES = ["AUTO", "GMAIL", "DEFAULT"] as const;
export type MailboxTransportChoice = (typeof MAILBOX_TRANSPORT_CHOICES)[number];

/** Scopes that let users.messages.send send as the account. */
const SEND_SCOPES = [GOOGLE_SCOPES["gmail.send"]!, GOOGLE_SCOPES["gmail.modify"]!, "https://mail.google.com/"];
/** Scopes that let us search the mailbox (rfc822msgid:) — the exactly-once check needs one (gmail.metadata cannot search). */
const SEARCH_SCOPES = [GOOGLE_SCOPES["gmail.readonly"]!, GOOGLE_SCOPES["gmail.modify"]!, "https://mail.google.com/"];

export const GMAIL_SEND_SCOPES: readonly string[] = SEND_SCOPES;

export interface MailboxConnection {
  id: string;
  status: ConnectionStatus;
  scopes: readonly string[];
  /** null: the tenant's shared account (preferred over a member's own, like the Gmail resolver). */
  userId: string | null;
}

export type MailRefusalCode = "GMAIL_NOT_CONNECTED" | "GMAIL_NEEDS_REAUTH" | "GMAIL_REVOKED" | "GMAIL_CONNECTION_ERROR" | "GMAIL_SCOPE_MISSING" | "GMAIL_UNAVAILABLE";

export type MailRoute =
  | { kind: "gmail"; connectionId: string; why: string }
  | { kind: "default"; why: string }
  | { kind: "refused"; code: MailRefusalCode; reason: string };

export const canSendWith = (scopes: readonly string[]) => scopes.some((s) => SEND_SCOPES.includes(s));
const canSearchWith = (scopes: readonly string[]) => scopes.some((s) => SEARCH_SCOPES.includes(s));

const STATUS_ORDER: Record<ConnectionStatus, number> = { ACTIVE: 0, ERROR: 1, NEEDS_REAUTH: 2, REVOKED: 3 };

export function chooseMailRoute(mailbox: string, choice: MailboxTransportChoice, connections: readonly MailboxConnection[]): MailRoute {
  if (choice === "DEFAULT") return { kind: "default", why: `sending.mailboxTransports["${mailbox}"] is DEFAULT` };
  const senders = connections.filter((c) => canSendWith(c.scopes));
  if (choice === "AUTO" && senders.length === 0) return { kind: "default", why: "no Google connection with a send scope for this mailbox" };
  const ruleText = choice === "GMAIL" ? `sending.mailboxTransports["${mailbox}"] is GMAIL` : "the mailbox has a Google connection with a send scope";
  const fix = `Connect ${mailbox} again, or set sending.mailboxTransports["${mailbox}"] to "DEFAULT" to send it through the global transport.`;
  if (senders.length === 0) {
    return { kind: "refused", code: "GMAIL_NOT_CONNECTED", reason: `${mailbox} must send through Gmail (${ruleText}) but has no Google connection allowed to send. ${fix}` };
  }
  // The best candidate: ACTIVE first, then the tenant's shared account before a member's own.
  const best = [...senders].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || Number(a.userId !== null) - Number(b.userId !== null))[0]!;
  if (best.status === "ACTIVE") {
    if (!canSearchWith(best.scopes)) {
      return {
        kind: "refused",
        code: "GMAIL_SCOPE_MISSING",
        reason: `The Google connection of ${mailbox} may send but not read mail (gmail.readonly), so a send could not be checked for exactly once after a crash; not sent. Connect it again with gmail.readonly and gmail.send, or set sending.mailboxTransports["${mailbox}"] to "DEFAULT".`,
      };
    }
    return { kind: "gmail", connectionId: best.id, why: ruleText };
  }
  const code: MailRefusalCode = best.status === "NEEDS_REAUTH" ? "GMAIL_NEEDS_REAUTH" : best.status === "REVOKED" ? "GMAIL_REVOKED" : "GMAIL_CONNECTION_ERROR";
  const state = best.status === "NEEDS_REAUTH" ? "needs to be connected again (Google no longer honours its grant)" : best.status === "REVOKED" ? "was revoked" : "is in ERROR";
  return { kind: "refused", code, reason: `${mailbox} sends through Gmail (${ruleText}), but its Google connection ${state}; not sent through any other transport. ${fix}` };
}
