// The recipient of a draft: an existing contact (by id), or a contact found or
// created by e-mail address. This is the minimum the drafts need; the sales
// domain's contact use cases (ingest, dedupe, enrichment) take this over.
import type { Tx } from "../../data/database.js";
import { parseEmail } from "../../domain/email.js";
import { isErasedAddress } from "../sending/suppression.js";
import { userError, type UserError } from "../../domain/user-error.js";

export type RecipientInput = { contactId: string } | { email: string; firstName?: string | null; lastName?: string | null };

export interface Recipient {
  contactId: string;
  /** Where the message goes: the address as the contact gave it (its canonical form is the contact's identity). */
  email: string;
}

export async function resolveRecipient(
  tx: Tx,
  tenantId: string,
  input: RecipientInput,
): Promise<{ ok: true; recipient: Recipient; created: boolean } | { ok: false; error: UserError }> {
  if ("contactId" in input) {
    const contact = await tx.contact.findUnique({ where: { id: input.contactId }, select: { id: true, email: true, emailOriginal: true } });
    if (!contact) return { ok: false, error: userError("NOT_FOUND", "No Contact with this id.", ["input", "contactId"]) };
    if (!contact.email) {
      return {
        ok: false,
        error: userError("RECIPIENT_HAS_NO_EMAIL", "This contact has no e-mail address; add one before writing to them.", ["input", "contactId"]),
      };
    }
    return { ok: true, recipient: { contactId: contact.id, email: deliveryAddress(contact.email, contact.emailOriginal) }, created: false };
  }
  const parsed = parseEmail(input.email);
  if (!parsed.ok) return { ok: false, error: userError("VALIDATION_FAILED", `The e-mail address ${parsed.reason}.`, ["input", "recipient", "email"]) };
  // A person whose data was erased is not stored again, not even as a recipient.
  if (await isErasedAddress(tx, parsed.email.normalized)) {
    return { ok: false, error: userError("CONTACT_ERASED", "This person's data was erased at their request; they cannot be written to.", ["input", "recipient", "email"]) };
  }
  // Same identity rules as lead ingest: one contact per canonical address.
  const rows = await tx.$queryRaw<{ id: string; created: boolean; email: string; emailOriginal: string | null }[]>`
    INSERT INTO "Contact" ("id", "tenantId", "email", "emailOriginal", "firstName", "lastName", "updatedAt")
    VALUES (gen_random_uuid(), ${tenantId}::uuid, ${parsed.email.normalized}, ${parsed.email.original}, ${input.firstName ?? null}, ${input.lastName ?? null}, CURRENT_TIMESTAMP)
    ON CONFLICT ("tenantId", "email") DO UPDATE SET "email" = EXCLUDED."email"
    RETURNING "id", (xmax = 0) AS created, "email", "emailOriginal"`;
  const row = rows[0]!;
  return { ok: true, recipient: { contactId: row.id, email: deliveryAddress(row.email, row.emailOriginal) }, created: row.created };
}

/**
 * The address as the contact gave it (its mailbox name untouched, the domain
 * lower-cased) when it is the same mailbox as the canonical one; otherwise the
 * canonical address.
 */
function deliveryAddress(canonical: string, original: string | null): string {
  if (!original) return canonical;
  const parsed = parseEmail(original);
  if (!parsed.ok || parsed.email.normalized !== canonical) return canonical;
  const at = parsed.email.original.lastIndexOf("@");
  return `${parsed.email.original.slice(0, at)}@${parsed.email.original.slice(at + 1).toLowerCase()}`;
}
