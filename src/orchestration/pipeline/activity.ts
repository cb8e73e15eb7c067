// Activity logging: e-mails sent and received, meetings, calls, notes, form
// submissions, web visits, linked to a contact, lead and/or deal. Other
// features (e-mail sending and inbound mail) log through recordActivity inside
// their own unit of work; people and API clients through activityLog.
import type { Prisma } from "../../data/database.js";
import type { ActivityType } from "../../domain/scoring/settings.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { enqueueLeadScoring } from "../lead/lead-scoring.js";
import type { Services } from "../services.js";
import { runMutation, type Actor, type UnitOfWork } from "../unit-of-work.js";

export interface NewActivity {
  type: ActivityType;
  direction: "INBOUND" | "OUTBOUND" | "INTERNAL";
  occurredAt: Date;
  subject?: string | undefined;
  body?: string | undefined;
  contactId?: string | undefined;
  leadId?: string | undefined;
  dealId?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

/** Records an activity in the caller's unit of work; the lead it concerns is queued for rescoring (engagement changed). */
export async function recordActivity(services: Pick<Services, "jobs">, uow: UnitOfWork, input: NewActivity, path: string[] = ["input"]): Promise<Outcome<{ activityId: string }>> {
  const { tx } = uow;
  const errors: UserError[] = [];
  if (!input.contactId && !input.leadId && !input.dealId) {
    errors.push(userError("VALIDATION_FAILED", "An activity concerns a contact, a lead or a deal: give at least one.", [...path, "contactId"]));
  }
  const contact = input.contactId ? await tx.contact.findUnique({ where: { id: input.contactId }, select: { id: true, companyId: true } }) : null;
  if (input.contactId && !contact) errors.push(userError("NOT_FOUND", "No Contact with this id.", [...path, "contactId"]));
  const lead = input.leadId ? await tx.lead.findUnique({ where: { id: input.leadId }, select: { id: true, contactId: true, companyId: true } }) : null;
  if (input.leadId && !lead) errors.push(userError("NOT_FOUND", "No Lead with this id.", [...path, "leadId"]));
  const deal = input.dealId ? await tx.deal.findUnique({ where: { id: input.dealId }, select: { id: true, companyId: true, leadId: true } }) : null;
  if (input.dealId && !deal) errors.push(userError("NOT_FOUND", "No Deal with this id.", [...path, "dealId"]));
  if (errors.length) return fail(...errors);
  // The contact's lead, when only the contact was named, so its engagement counts.
  const leadId = lead?.id ?? (contact ? (await tx.lead.findFirst({ where: { contactId: contact.id }, select: { id: true } }))?.id : undefined) ?? deal?.leadId ?? null;
  const activity = await tx.activity.create({
    data: {
      tenantId: uow.actor.principal.tenantId,
      type: input.type,
      direction: input.direction,
      occurredAt: input.occurredAt,
      subject: input.subject ?? null,
      body: input.body ?? null,
      contactId: contact?.id ?? lead?.contactId ?? null,
      leadId,
      dealId: deal?.id ?? null,
      companyId: contact?.companyId ?? lead?.companyId ?? deal?.companyId ?? null,
      actorUserId: uow.actor.principal.userId,
      metadata: (input.metadata ?? {}) as Prisma.InputJsonValue,
    },
  });
  await uow.audit({ action: "activity.logged", targetType: "Activity", targetId: activity.id, summary: { type: input.type, direction: input.direction, leadId, dealId: activity.dealId, contactId: activity.contactId } });
  await uow.emit("sales.activity.logged", { activityId: activity.id, type: input.type, direction: input.direction, leadId, dealId: activity.dealId, contactId: activity.contactId });
  if (leadId) await enqueueLeadScoring(services, uow, [leadId]);
  return ok({ activityId: activity.id });
}

export async function logActivity(services: Services, actor: Actor, input: NewActivity, idempotencyKey?: string | null): Promise<Outcome<{ activityId: string }>> {
  return runMutation(services, actor, { operation: "activityLog", input, idempotencyKey }, (uow) => recordActivity(services, uow, input));
}
