// The public unsubscribe endpoint's use cases. There is no logged-in caller:
// the tenant comes from the verified token, and the change is made by that
// tenant's agent principal ("agent:unsubscribe"), audited like any other.
import { randomUUID } from "node:crypto";
import { withTenant } from "../../data/database.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import { verifyUnsubscribeToken, type UnsubscribeClaims } from "../../domain/sending/unsubscribe-token.js";
import { ok } from "../../domain/user-error.js";
import { recordSuppression } from "./suppression.js";
import { exitSequencesForAddress } from "../sequence/sequence-runner.js";
import type { Services } from "../services.js";
import { runUnitOfWork } from "../unit-of-work.js";

export interface UnsubscribeView {
  /** The address, partly masked: enough for its owner to recognise it. */
  maskedEmail: string;
  alreadyUnsubscribed: boolean;
}

export function maskEmail(email: string): string {
  const [local = "", domain = ""] = email.split("@");
  const shown = local.length <= 2 ? local.slice(0, 1) : local.slice(0, 2);
  return `${shown}${"*".repeat(Math.max(3, local.length - shown.length))}@${domain}`;
}

async function verified(services: Services, token: string): Promise<UnsubscribeClaims | null> {
  const claims = verifyUnsubscribeToken(services.mail.unsubscribeSecret, token);
  if (!claims) return null;
  // A genuine token of a tenant that no longer exists is as good as none.
  const tenant = await withTenant(services.db.prisma, { tenantId: claims.tenantId }, (tx) =>
    tx.tenant.findUnique({ where: { id: claims.tenantId }, select: { id: true } }),
  );
  return tenant ? claims : null;
}

/** For the confirmation page (GET): changes nothing. null for an invalid link. */
export async function describeUnsubscribe(services: Services, token: string): Promise<UnsubscribeView | null> {
  const claims = await verified(services, token);
  if (!claims) return null;
  const existing = await withTenant(services.db.prisma, { tenantId: claims.tenantId }, (tx) =>
    tx.suppression.findUnique({ where: { tenantId_kind_value: { tenantId: claims.tenantId, kind: "EMAIL", value: claims.email } }, select: { id: true } }),
  );
  return { maskedEmail: maskEmail(claims.email), alreadyUnsubscribed: existing !== null };
}

/** Unsubscribes the token's address (POST). Idempotent. null for an invalid link. */
export async function confirmUnsubscribe(services: Services, token: string, meta: { requestId?: string } = {}): Promise<UnsubscribeView | null> {
  const claims = await verified(services, token);
  if (!claims) return null;
  const actor = { principal: agentPrincipal(claims.tenantId, "unsubscribe"), meta: { requestId: meta.requestId ?? randomUUID(), traceId: null } };
  const outcome = await runUnitOfWork(services, actor, async (uow) => {
    const result = await recordSuppression(uow, { kind: "EMAIL", value: claims.email, reason: "UNSUBSCRIBED", note: "Unsubscribe link" });
    // Sequences stop at once for this person (their pending step draft is cancelled).
    await exitSequencesForAddress(services, uow, claims.email, "UNSUBSCRIBED", "The recipient used the unsubscribe link.");
    return ok({ created: result.created });
  });
  if (!outcome.ok) return null;
  return { maskedEmail: maskEmail(claims.email), alreadyUnsubscribed: !outcome.value.created };
}
