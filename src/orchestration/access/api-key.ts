// API keys: created with a role no higher than the creator's and optional
// scopes that narrow it further; the secret is returned once and never stored.
// A key acts for its creator (auth.ts intersects it with the creator's current
// membership on every request); `reissueApiKey` hands a key over to another
// member when its creator leaves.
import { z } from "zod";
import { generateApiKey, reissuedKeyGrant } from "../../domain/access/api-key.js";
import { canAssignRole, HUMAN_ROLES, isPermission, ROLE_PERMISSIONS, type Permission } from "../../domain/access/permission.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { runMutation, type Actor } from "../unit-of-work.js";
import type { Services } from "../services.js";

export const apiKeyCreateSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(100),
  role: z.enum(HUMAN_ROLES),
  scopes: z.array(z.string()).max(50).default([]),
  expiresAt: z.date().optional(),
});
export type ApiKeyCreateInput = z.infer<typeof apiKeyCreateSchema>;

export async function createApiKey(
  services: Services,
  actor: Actor,
  input: ApiKeyCreateInput,
  idempotencyKey?: string | null,
): Promise<Outcome<{ apiKeyId: string; secret: string | null }>> {
  const errors: UserError[] = [];
  if (!canAssignRole(actor.principal.role, input.role)) {
    errors.push(userError("ROLE_NOT_ASSIGNABLE", `A ${actor.principal.role} cannot create a key with the ${input.role} role.`, ["input", "role"]));
  }
  input.scopes.forEach((scope, i) => {
    if (!isPermission(scope)) errors.push(userError("VALIDATION_FAILED", `Unknown permission "${scope}".`, ["input", "scopes", String(i)]));
    else if (!ROLE_PERMISSIONS[input.role].has(scope as Permission))
      errors.push(userError("VALIDATION_FAILED", `The ${input.role} role does not have "${scope}".`, ["input", "scopes", String(i)]));
  });
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    errors.push(userError("VALIDATION_FAILED", "The expiry must be in the future.", ["input", "expiresAt"]));
  }
  if (errors.length) return fail(...errors);

  // The secret exists only in this closure: a replay of the same idempotency
  // key returns the key's id but not the secret again.
  let secret: string | null = null;
  const outcome = await runMutation(services, actor, { operation: "apiKeyCreate", input, idempotencyKey }, async (uow) => {
    const key = generateApiKey();
    secret = key.secret;
    const created = await uow.tx.apiKey.create({
      data: {
        tenantId: actor.principal.tenantId,
        name: input.name,
        prefix: key.prefix,
        secretHash: key.hash,
        role: input.role,
        scopes: [...new Set(input.scopes)],
        createdById: actor.principal.userId,
        expiresAt: input.expiresAt ?? null,
      },
    });
    await uow.audit({
      action: "api_key.created",
      targetType: "ApiKey",
      targetId: created.id,
      summary: { name: input.name, prefix: key.prefix, role: input.role, scopes: input.scopes },
    });
    await uow.emit("sales.api_key.created", { apiKeyId: created.id, prefix: key.prefix });
    return ok({ apiKeyId: created.id, secret: null as string | null });
  });
  return outcome.ok ? ok({ apiKeyId: outcome.value.apiKeyId, secret }) : outcome;
}

export async function revokeApiKey(
  services: Services,
  actor: Actor,
  input: { apiKeyId: string },
  idempotencyKey?: string | null,
): Promise<Outcome<{ apiKeyId: string }>> {
  return runMutation(services, actor, { operation: "apiKeyRevoke", input, idempotencyKey }, async (uow) => {
    const key = await uow.tx.apiKey.findUnique({ where: { id: input.apiKeyId } });
    if (!key) return fail(userError("NOT_FOUND", "No such API key.", ["input", "apiKeyId"]));
    if (key.revokedAt) return fail(userError("ALREADY_REVOKED", "This API key is already revoked.", ["input", "apiKeyId"]));
    await uow.tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    await uow.audit({ action: "api_key.revoked", targetType: "ApiKey", targetId: key.id, summary: { prefix: key.prefix } });
    await uow.emit("sales.api_key.revoked", { apiKeyId: key.id, prefix: key.prefix });
    return ok({ apiKeyId: key.id });
  });
}

/**
 * Re-issues a key to another member (OWNER only): a new secret owned by that
 * member, with the old key's name, expiry, role and scopes capped at the new
 * owner's role; the old key is revoked in the same transaction. The secret is
 * returned once, as with `apiKeyCreate`.
 */
export async function reissueApiKey(
  services: Services,
  actor: Actor,
  input: { apiKeyId: string; ownerId: string },
  idempotencyKey?: string | null,
): Promise<Outcome<{ apiKeyId: string; secret: string | null; revokedApiKeyId: string }>> {
  if (actor.principal.role !== "OWNER") {
    return fail(userError("FORBIDDEN", "Only an OWNER can re-issue an API key to another member.", []));
  }
  let secret: string | null = null;
  const outcome = await runMutation(services, actor, { operation: "apiKeyReissue", input, idempotencyKey }, async (uow) => {
    const old = await uow.tx.apiKey.findUnique({ where: { id: input.apiKeyId } });
    if (!old) return fail(userError("NOT_FOUND", "No such API key.", ["input", "apiKeyId"]));
    if (old.revokedAt) return fail(userError("ALREADY_REVOKED", "This API key is revoked; create a new one instead.", ["input", "apiKeyId"]));
    if (old.expiresAt && old.expiresAt.getTime() <= Date.now()) {
      return fail(userError("VALIDATION_FAILED", "This API key has expired; create a new one instead.", ["input", "apiKeyId"]));
    }
    const owner = await uow.tx.membership.findUnique({
      where: { tenantId_userId: { tenantId: actor.principal.tenantId, userId: input.ownerId } },
      select: { userId: true, role: true },
    });
    if (!owner) return fail(userError("NOT_FOUND", "The new owner must be a member of this tenant.", ["input", "ownerId"]));
    const grant = reissuedKeyGrant({ role: old.role, scopes: old.scopes }, owner.role);
    if (!grant) {
      return fail(userError("ROLE_NOT_ASSIGNABLE", `The new owner's role (${owner.role}) has none of this key's scopes.`, ["input", "ownerId"]));
    }
    const revokedAt = new Date();
    await uow.tx.apiKey.update({ where: { id: old.id }, data: { revokedAt } });
    const key = generateApiKey();
    secret = key.secret;
    const created = await uow.tx.apiKey.create({
      data: {
        tenantId: actor.principal.tenantId,
        name: old.name,
        prefix: key.prefix,
        secretHash: key.hash,
        role: grant.role,
        scopes: grant.scopes,
        createdById: owner.userId,
        expiresAt: old.expiresAt,
      },
    });
    await uow.audit({
      action: "api_key.reissued",
      targetType: "ApiKey",
      targetId: created.id,
      summary: {
        name: old.name,
        prefix: key.prefix,
        previousKeyId: old.id,
        previousPrefix: old.prefix,
        previousCreatorId: old.createdById,
        ownerId: owner.userId,
        role: grant.role,
        scopes: grant.scopes,
        droppedScopes: grant.dropped,
      },
    });
    await uow.emit("sales.api_key.revoked", { apiKeyId: old.id, prefix: old.prefix });
    await uow.emit("sales.api_key.reissued", { apiKeyId: created.id, prefix: key.prefix, previousApiKeyId: old.id });
    return ok({ apiKeyId: created.id, secret: null as string | null, revokedApiKeyId: old.id });
  });
  return outcome.ok ? ok({ ...outcome.value, secret }) : outcome;
}
