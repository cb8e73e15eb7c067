// The recipient of a draft: an existing contact (by id), or a contact found or
// created by e-mail address. This is the minimum the drafts need; the sales
// domain's contact use cases (ingest, dedupe, enrichment) take this over.
import type { Tx } from "../data/database.js";
import { normaliseEmail } from "../domain/suppression.js";
import { userError, type UserError } from "../domain/user-error.js";

export type RecipientInput = { contactId: string } | { email: string; firstName?: string | null; lastName?: string | null };

export interface Recipient {
  contactId: string;
  email: string;
}

export async function resolveRecipient(
  tx: Tx,
  tenantId: string,
  input: RecipientInput,
): Promise<{ ok: true; recipient: Recipient; created: boolean } | { ok: false; error: UserError }> {
  if ("contactId" in input) {
    const contact = await tx.contact.findUnique({ where: { id: input.contactId }, select: { id: true, email: true } });
    if (!contact) return { ok: false, error: userError("NOT_FOUND", "No Contact with this id.", ["input", "contactId"]) };
    if (!contact.email) {
      return {
        ok: false,
        error: userError("RECIPIENT_HAS_NO_EMAIL", "This contact has no e-mail address; add one before writing to them.", ["input", "contactId"]),
      };
    }
    return { ok: true, recipient: { contactId: contact.id, email: normaliseEmail(contact.email) }, created: false };
  }
  const email = normaliseEmail(input.email);
  const rows = await tx.$queryRaw<{ id: string; created: boolean }[]>`
    INSERT INTO "Contact" ("id", "tenantId", "email", "emailOriginal", "firstName", "lastName", "updatedAt")
    VALUES (gen_random_uuid(), ${tenantId}::uuid, ${email}, ${input.email.trim()}, ${input.firstName ?? null}, ${input.lastName ?? null}, CURRENT_TIMESTAMP)
    ON CONFLICT ("tenantId", "email") DO UPDATE SET "email" = EXCLUDED."email"
    RETURNING "id", (xmax = 0) AS created`;
  return { ok: true, recipient: { contactId: rows[0]!.id, email }, created: rows[0]!.created };
}
