// The connected mailbox a message arrived through, for the reply's author and
// sender (the rule is domain/draft/reply-author.ts). The message was synced
// from a Google mailbox (its GmailMessage row names the connection), or it
// arrived at the address of a mailbox the tenant syncs (a message pushed
// through messageIngest, or read before the sync recorded its row). A revoked
// connection no longer counts: its mail is answered like any other.
import type { Tx } from "../../data/database.js";
import type { ReceivingMailbox } from "../../domain/draft/reply-author.js";
import { GMAIL_READ_SCOPES } from "../connection/gmail-sync.js";

export interface ReceivingConnection extends ReceivingMailbox {
  connectionId: string;
}

const SELECT = { id: true, accountEmail: true, userId: true, connectedById: true, status: true } as const;

export async function receivingMailboxOf(tx: Tx, inbound: { id: string; mailbox: string | null }): Promise<ReceivingConnection | null> {
  const synced = await tx.gmailMessage.findFirst({ where: { inboundMessageId: inbound.id, kind: "INBOUND" }, orderBy: { createdAt: "asc" }, select: { connectionId: true } });
  let found = synced ? await tx.connection.findUnique({ where: { id: synced.connectionId }, select: SELECT }) : null;
  if (!found && inbound.mailbox) {
    const rows = await tx.connection.findMany({
      where: { provider: "GOOGLE", accountEmail: inbound.mailbox.trim().toLowerCase(), status: { not: "REVOKED" }, scopes: { hasSome: GMAIL_READ_SCOPES } },
      orderBy: { createdAt: "desc" },
      select: SELECT,
    });
    // An ACTIVE connection before one that needs attention; a member's own before the shared one for the same address.
    found = rows.find((c) => c.status === "ACTIVE" && c.userId) ?? rows.find((c) => c.status === "ACTIVE") ?? rows[0] ?? null;
  }
  if (!found || found.status === "REVOKED") return null;
  return { connectionId: found.id, accountEmail: found.accountEmail, userId: found.userId, connectedById: found.connectedById };
}

/**
 * Whether `mailbox` is a connected Google mailbox this draft may leave from:
 * the sender's own (a connection of theirs), or the tenant's shared one when
 * the draft answers a message that arrived there.
 */
export async function connectedMailboxAllowed(tx: Tx, mailbox: string, ownerId: string | null, replyToMailbox: string | null): Promise<boolean> {
  const rows = await tx.connection.findMany({
    where: { provider: "GOOGLE", accountEmail: mailbox, status: { not: "REVOKED" } },
    select: { userId: true },
  });
  return rows.some((c) => (c.userId !== null && c.userId === ownerId) || (c.userId === null && replyToMailbox?.trim().toLowerCase() === mailbox));
}
