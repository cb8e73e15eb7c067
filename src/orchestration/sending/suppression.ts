// The suppression list: add an address or a domain (anyone with
// suppression:write, agents included — an unsubscribe must always be
// honoured), remove one (suppression:remove, MANAGER and up; audited).
import type { z } from "zod";
import type { Tx } from "../../data/database.js";
import { findErasureHashKey } from "../../data/tenant-secret.js";
import { erasedAddressHashes } from "../../domain/governance/erasure.js";
import type { Principal } from "../../domain/access/principal.js";
import { normaliseDomain, suppressionKeys, type suppressionEntrySchema, type SuppressionKind, type SuppressionReason } from "../../domain/sending/suppression.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import type { SuppressionCheck } from "../pipeline/sales-hooks.js";
import type { Services } from "../services.js";
import { runMutation, type Actor, type UnitOfWork } from "../unit-of-work.js";

export type SuppressionAddInput = z.infer<typeof suppressionEntrySchema>;

/** The suppression values that stop a message to `email` in the transaction's tenant (its erased-address hashes included). */
export async function suppressionKeysFor(tx: Tx, email: string): Promise<{ kind: SuppressionKind; value: string }[]> {
  return suppressionKeys(email, await findErasureHashKey(tx));
}

/** Whether a canonical address belongs to a person the tenant erased (they are never stored again). */
export async function isErasedAddress(tx: Tx, canonicalEmail: string): Promise<boolean> {
  const values = erasedAddressHashes(await findErasureHashKey(tx), canonicalEmail);
  return (await tx.suppression.findFirst({ where: { kind: "EMAIL_HASH", value: { in: values } }, select: { id: true } })) !== null;
}

const ACTOR_TYPE = { USER: "USER", API_KEY: "API_KEY", AGENT: "AGENT" } as const;

/** Inserts the entry unless it exists; returns its id and whether it is new. */
export async function suppress(
  tx: Tx,
  principal: Principal,
  entry: { kind: SuppressionKind; value: string; reason: SuppressionReason; note?: string | null },
): Promise<{ id: string; created: boolean }> {
  const rows = await tx.$queryRaw<{ id: string; created: boolean }[]>`
    INSERT INTO "Suppression" ("id", "tenantId", "kind", "value", "reason", "note", "createdByType", "createdById", "createdByLabel")
    VALUES (gen_random_uuid(), ${principal.tenantId}::uuid, ${entry.kind}::"SuppressionKind", ${entry.value}, ${entry.reason}::"SuppressionReason",
            ${entry.note ?? null}, ${ACTOR_TYPE[principal.kind]}::"ActorType", ${principal.id}, ${principal.label})
    ON CONFLICT ("tenantId", "kind", "value") DO UPDATE SET "kind" = EXCLUDED."kind"
    RETURNING "id", (xmax = 0) AS created`;
  return rows[0]!;
}

export async function recordSuppression(
  uow: UnitOfWork,
  entry: { kind: SuppressionKind; value: string; reason: SuppressionReason; note?: string | null },
): Promise<{ id: string; created: boolean }> {
  const result = await suppress(uow.tx, uow.actor.principal, entry);
  if (result.created) {
    await uow.audit({ action: "suppression.added", targetType: "Suppression", targetId: result.id, summary: { kind: entry.kind, value: entry.value, reason: entry.reason } });
    await uow.emit("sales.suppression.added", { suppressionId: result.id, kind: entry.kind, reason: entry.reason });
  }
  return result;
}

export async function addSuppression(
  services: Services,
  actor: Actor,
  input: SuppressionAddInput,
  idempotencyKey?: string | null,
): Promise<Outcome<{ suppressionId: string }>> {
  return runMutation(services, actor, { operation: "suppressionAdd", input, idempotencyKey }, async (uow) => {
    const kind: SuppressionKind = input.email ? "EMAIL" : "DOMAIN";
    const value = (input.email ?? input.domain)!;
    const result = await recordSuppression(uow, { kind, value, reason: input.reason, note: input.note ?? null });
    if (!result.created) {
      return fail(userError("ALREADY_SUPPRESSED", `${value} is already on the suppression list.`, ["input", input.email ? "email" : "domain"]));
    }
    return ok({ suppressionId: result.id });
  });
}

export async function removeSuppression(
  services: Services,
  actor: Actor,
  input: { suppressionId: string; reason?: string | null },
  idempotencyKey?: string | null,
): Promise<Outcome<{ suppressionId: string }>> {
  return runMutation(services, actor, { operation: "suppressionRemove", input, idempotencyKey }, async (uow) => {
    const entry = await uow.tx.suppression.findUnique({ where: { id: input.suppressionId } });
    if (!entry) return fail(userError("NOT_FOUND", "No Suppression with this id.", ["input", "suppressionId"]));
    await uow.tx.suppression.delete({ where: { id: entry.id } });
    await uow.audit({
      action: "suppression.removed",
      targetType: "Suppression",
      targetId: entry.id,
      summary: { kind: entry.kind, value: entry.value, reason: entry.reason, addedBy: entry.createdByLabel, why: input.reason ?? null },
    });
    await uow.emit("sales.suppression.removed", { suppressionId: entry.id, kind: entry.kind });
    return ok({ suppressionId: entry.id });
  });
}

/** The suppression list as lead scoring sees it (a hard disqualification): the address, or its domain, is listed. */
export const suppressionCheck: SuppressionCheck = {
  async isSuppressed(tx, { email, domain }) {
    const keys = email
      ? await suppressionKeysFor(tx, email)
      : domain
        ? [{ kind: "DOMAIN" as const, value: normaliseDomain(domain) }]
        : [];
    if (keys.length === 0) return false;
    const entry = await tx.suppression.findFirst({ where: { OR: keys.map((k) => ({ kind: k.kind, value: k.value })) }, select: { id: true } });
    return entry !== null;
  },
};
