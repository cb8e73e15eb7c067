// What every draft use case shares: locking the draft row, reading the
// tenant's settings, the quality gate's context, suppression, and the one way
// a status changes (machine check + update + audit + event, together).
import type { Draft } from "../../generated/prisma/client.js";
import type { Prisma, Tx } from "../../data/database.js";
import { draftEventFor, transition, type DraftAction, type DraftStatus } from "../../domain/draft/draft.js";
import { citedAssetsOf } from "../../domain/draft/asset.js";
import { CLAIM_CLEARED } from "../../domain/draft/draft-claim.js";
import { runQualityGate, type QualityReport } from "../../domain/draft/quality-gate.js";
import { suppressionKeysFor } from "../sending/suppression.js";
import { recipientSuppressionReason } from "../../domain/sending/suppression.js";
import { readTenantSettings, type TenantSettings } from "../../domain/tenant/tenant.js";
import { userError, type UserError } from "../../domain/user-error.js";
import { publicHost, type MailServices } from "../../integrations/email/mail.js";
import type { UnitOfWork } from "../unit-of-work.js";

export type { Draft };

/** Locks the draft row for the rest of the transaction; null when it does not exist in the tenant. */
export async function lockDraft(tx: Tx, draftId: string): Promise<Draft | null> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Draft" WHERE "id" = ${draftId}::uuid FOR UPDATE`;
  if (rows.length === 0) return null;
  return tx.draft.findUnique({ where: { id: draftId } });
}

export function draftNotFound(field: string[] = ["input", "draftId"]): UserError {
  return userError("NOT_FOUND", "No Draft with this id.", field);
}

export async function tenantSettings(tx: Tx, tenantId: string): Promise<TenantSettings> {
  const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
  return readTenantSettings(tenant.settings);
}

export function gateFor(
  settings: TenantSettings,
  mail: Pick<MailServices, "publicUrl">,
  draft: Pick<Draft, "subject" | "bodyText" | "bodyHtml" | "category" | "mailbox"> & { citedAssets?: unknown },
): QualityReport {
  return runQualityGate(
    { subject: draft.subject, bodyText: draft.bodyText, bodyHtml: draft.bodyHtml, category: draft.category, mailbox: draft.mailbox },
    {
      settings: settings.quality,
      postalAddress: settings.sending.postalAddress,
      unsubscribeHost: publicHost(mail),
      // The Drive files the writer cited pass the link check, and only they (not their whole domain).
      allowedLinks: citedAssetsOf(draft.citedAssets).map((a) => a.url),
    },
  );
}

/** Why this recipient must not be mailed (a suppression entry or the contact's do-not-contact flag), or null. */
export async function recipientSuppression(tx: Tx, recipientEmail: string, contactId: string): Promise<string | null> {
  const keys = await suppressionKeysFor(tx, recipientEmail);
  const entry = await tx.suppression.findFirst({
    where: { OR: keys.map((k) => ({ kind: k.kind, value: k.value })) },
    orderBy: { createdAt: "asc" },
  });
  if (entry) return recipientSuppressionReason(entry, false);
  const contact = await tx.contact.findUnique({ where: { id: contactId }, select: { doNotContact: true } });
  return recipientSuppressionReason(null, contact?.doNotContact ?? false);
}

export function suppressedError(reason: string, field: string[] = ["input", "draftId"]): UserError {
  return userError("RECIPIENT_SUPPRESSED", reason, field);
}

export interface StatusChange {
  action: DraftAction;
  /** Extra columns to write with the status. */
  data?: Prisma.DraftUpdateInput;
  /** Audit action (default "draft.<action>"). */
  auditAction?: string;
  summary?: Record<string, unknown>;
  /** Extra event payload. */
  event?: Record<string, unknown>;
}

/**
 * Moves a locked draft through the machine: refuses an illegal move, else
 * writes the new status, its audit entry and its event in the caller's
 * transaction. Returns the updated draft.
 */
export async function changeStatus(
  uow: UnitOfWork,
  draft: Draft,
  change: StatusChange,
  field: string[] = ["input", "draftId"],
): Promise<{ ok: true; draft: Draft } | { ok: false; error: UserError }> {
  const step = transition(draft.status as DraftStatus, change.action, field);
  if (!step.ok) return step;
  // A claim is on a draft under review: once it leaves review (approved, rejected, blocked…) nobody holds it.
  const claim = step.status === "PENDING_REVIEW" ? {} : CLAIM_CLEARED;
  const updated = await uow.tx.draft.update({ where: { id: draft.id }, data: { ...change.data, ...claim, status: step.status } });
  await uow.audit({
    action: change.auditAction ?? `draft.${change.action}`,
    targetType: "Draft",
    targetId: draft.id,
    summary: { from: draft.status, to: step.status, revision: updated.revision, ...change.summary },
  });
  await emitDraftEvent(uow, draftEventFor(step.status, change.action), updated, draft.status as DraftStatus, change.event);
  return { ok: true, draft: updated };
}

export async function emitDraftEvent(
  uow: UnitOfWork,
  type: string,
  draft: Pick<Draft, "id" | "status" | "revision" | "origin">,
  previousStatus: DraftStatus | null,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await uow.emit(type, { draftId: draft.id, status: draft.status, previousStatus, revision: draft.revision, origin: draft.origin, ...extra });
}

/** The approvals on the draft's current revision. */
export function currentApprovals(tx: Tx, draft: Pick<Draft, "id" | "revision">) {
  return tx.draftApproval.findMany({ where: { draftId: draft.id, revision: draft.revision }, orderBy: { createdAt: "asc" } });
}
