// Who answers mail that arrived through a connected Google mailbox, and from
// which address (issue 10). Pure: the caller reads the connection the message
// was synced from and whether the contact's owner has a connected calendar.
//
// The rule:
// - A member's own mailbox (Connection.userId set): the reply is that member's
//   — written in their voice, slots from their calendar, sent from that
//   mailbox (in the thread the prospect wrote to).
// - The tenant's shared mailbox (userId null): the contact's owner when they
//   have a connected calendar (they can offer real times), else the member who
//   connected the mailbox. Sent from the shared mailbox either way.
// A person who asks for the reply themselves (recommendationAccept) stays its
// author; the caller puts them first. Candidates that are not (or no longer)
// members are skipped by the author resolution, which then falls back to the
// lead's, contact's and deal's owners as for any other draft.

export interface ReceivingMailbox {
  /** The connected account's address: the mailbox the message arrived at. */
  accountEmail: string;
  /** The member whose mailbox it is; null: the tenant's shared mailbox. */
  userId: string | null;
  /** Who completed the connection (for a shared mailbox: the OWNER/ADMIN). */
  connectedById: string | null;
}

/** The members to author the reply, best first. */
export function replyAuthorCandidates(mailbox: ReceivingMailbox, contactOwner: { userId: string | null; hasCalendar: boolean }): string[] {
  if (mailbox.userId) return [mailbox.userId];
  const out: string[] = [];
  if (contactOwner.userId && contactOwner.hasCalendar) out.push(contactOwner.userId);
  if (mailbox.connectedById) out.push(mailbox.connectedById);
  return out;
}

/**
 * The address the reply leaves from: the mailbox it arrived at when that is
 * the tenant's shared mailbox or the author's own; null (the usual choice:
 * the tenant's sending mailbox, else the author's address) when the author is
 * someone else than the personal mailbox's owner — nobody sends from another
 * member's mailbox.
 */
export function replySendsFrom(mailbox: ReceivingMailbox, authorUserId: string | null): string | null {
  if (mailbox.userId === null || mailbox.userId === authorUserId) return mailbox.accountEmail;
  return null;
}
