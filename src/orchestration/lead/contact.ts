// Contact use cases: a person's edit of a contact (contactUpdate). Marking a
// contact do-not-contact takes effect at once: their open leads are scored
// again in the same transaction (the hard rule disqualifies them), and no
// draft to them can be approved or sent from then on (draft-state checks the
// flag). Clearing the flag is MANAGER+ (suppression:remove), like removing an
// address from the suppression list, and does not requalify anyone by itself.
import type { Prisma } from "../../data/database.js";
import { can } from "../../domain/access/principal.js";
import { planEdit, type ContactPatch } from "../../domain/lead/record-update.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { checkMember } from "../pipeline/deal.js";
import { enqueueLeadScoring, scoreLeadsInUnitOfWork } from "./lead-scoring.js";
import type { Services } from "../services.js";
import { runMutation, type Actor } from "../unit-of-work.js";

export interface ContactUpdate extends ContactPatch {
  contactId: string;
  /** undefined: unchanged; null: no company / no owner. */
  companyId?: string | null | undefined;
  ownerId?: string | null | undefined;
}

/** Drafts that still carry the contact's current address to a send. */
const OPEN_DRAFT_STATUSES = ["PENDING_REVIEW", "APPROVED", "QUEUED", "SENDING"] as const;

export async function updateContact(services: Services, actor: Actor, input: ContactUpdate, idempotencyKey?: string | null): Promise<Outcome<{ contactId: string }>> {
  return runMutation(services, actor, { operation: "contactUpdate", input, idempotencyKey }, async (uow) => {
    const { tx } = uow;
    const contact = await tx.contact.findUnique({ where: { id: input.contactId } });
    if (!contact) return fail(userError("NOT_FOUND", "No Contact with this id.", ["input", "contactId"]));
    const errors: UserError[] = [];

    const { email, attributes, contactId: _id, ...fields } = input;
    const edit = planEdit(contact, { ...fields, email: email?.normalized }, attributes);
    if (!edit.ok) errors.push(userError("VALIDATION_FAILED", edit.message, ["input", "attributes"]));
    if (edit.update.email !== undefined) {
      const taken = await tx.contact.findFirst({ where: { email: edit.update.email, id: { not: contact.id } }, select: { id: true } });
      if (taken) errors.push(userError("CONFLICT", "Another contact has this e-mail address; merge them by ingesting instead.", ["input", "email"]));
      const open = await tx.draft.count({ where: { contactId: contact.id, status: { in: [...OPEN_DRAFT_STATUSES] } } });
      if (open) {
        errors.push(userError("CONFLICT", `${open} open draft(s) are addressed to the current e-mail; cancel or finish them before changing it.`, ["input", "email"]));
      }
    }
    if (edit.update.doNotContact === false && !can(actor.principal, "suppression:remove")) {
      errors.push(userError("FORBIDDEN", "Only a manager or above may clear do-not-contact.", ["input", "doNotContact"]));
    }
    if (edit.update.companyId && !(await tx.company.findUnique({ where: { id: edit.update.companyId }, select: { id: true } }))) {
      errors.push(userError("NOT_FOUND", "No Company with this id.", ["input", "companyId"]));
    }
    const ownerError = await checkMember(tx, edit.update.ownerId, ["input", "ownerId"]);
    if (ownerError) errors.push(ownerError);
    if (errors.length || !edit.ok) return fail(...errors);
    if (!edit.changed) return ok({ contactId: contact.id });

    const { changes } = edit;
    const data = { ...edit.update } as Prisma.ContactUncheckedUpdateInput;
    if (email && edit.update.email !== undefined) data.emailOriginal = email.original;
    await tx.contact.update({ where: { id: contact.id }, data });
    await uow.audit({ action: "contact.updated", targetType: "Contact", targetId: contact.id, summary: { changes } });
    await uow.emit("sales.contact.updated", { contactId: contact.id, changed: Object.keys(changes) });

    // What a contact is feeds its leads' scores (seniority, e-mail, do-not-contact…).
    const leads = await tx.lead.findMany({ where: { contactId: contact.id, status: { in: ["NEW", "WORKING", "QUALIFIED"] } }, select: { id: true } });
    const leadIds = leads.map((l) => l.id);
    if (edit.update.doNotContact === true) await scoreLeadsInUnitOfWork(services, uow, leadIds);
    else await enqueueLeadScoring(services, uow, leadIds);
    return ok({ contactId: contact.id });
  });
}
