// Google domain-wide delegation, the alternative to each rep's OAuth consent
// for Workspace admins: an OWNER/ADMIN uploads a service account's JSON key
// and names the Workspace users to impersonate. One connection per user
// (a member's own when the address belongs to a member of the tenant, else a
// shared mailbox), each with the key sealed in the credential vault like
// OAuth tokens — never returned, logged or audited. Every user's delegation is
// checked with Google (a token minted) before anything is stored; Gmail sync
// and send, Calendar and Drive then use the connection like any other
// (accessTokenFor mints the next token when the last one expires).
import { GOOGLE_IDENTITY_SCOPES, mayConnect, resolveGoogleScopes } from "../../domain/connection/connection.js";
import type { StoredTokens } from "../../domain/connection/credential.js";
import { parseServiceAccountKey } from "../../domain/connection/service-account.js";
import { parseEmail } from "../../domain/email.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { ConnectorUnavailableError } from "../../integrations/resilience.js";
import { classifyProviderError } from "../../domain/connection/connection.js";
import { runUnitOfWork, type Actor } from "../unit-of-work.js";
import { mintDelegated, type ConnectionServices } from "./connection.js";

/** At most this many Workspace users per upload (each is checked with Google). */
export const MAX_DELEGATED_SUBJECTS = 20;

export interface GoogleDelegationInput {
  /** The JSON key file's text. */
  serviceAccountKey: string;
  /** Workspace users to impersonate. */
  subjects: string[];
  /** Short names or scope URLs (resolveGoogleScopes); default: mail read and send, free/busy and events, Drive read. */
  scopes: string[];
}

export async function connectGoogleDelegation(
  services: ConnectionServices,
  actor: Actor,
  input: GoogleDelegationInput,
): Promise<Outcome<{ connectionIds: string[]; clientId: string }>> {
  const { principal } = actor;
  if (!mayConnect(principal, true) || !principal.userId) {
    return fail(userError("FORBIDDEN", "Only an OWNER or ADMIN can set up domain-wide delegation.", ["input", "serviceAccountKey"]));
  }
  const parsedKey = parseServiceAccountKey(input.serviceAccountKey);
  if (!parsedKey.ok) return fail(userError("VALIDATION_FAILED", parsedKey.message, ["input", "serviceAccountKey"]));
  const key = parsedKey.key;

  const errors: UserError[] = [];
  const subjects: string[] = [];
  for (const [i, raw] of input.subjects.entries()) {
    const parsed = parseEmail(raw);
    if (!parsed.ok) errors.push(userError("VALIDATION_FAILED", `This Workspace user address ${parsed.reason}.`, ["input", "subjects", String(i)]));
    // The address as the Workspace knows it (no canonicalisation: a Gmail-style dot or +tag is another user there).
    else if (!subjects.includes(parsed.email.original.toLowerCase())) subjects.push(parsed.email.original.toLowerCase());
  }
  if (!input.subjects.length) errors.push(userError("VALIDATION_FAILED", "Name at least one Workspace user to impersonate.", ["input", "subjects"]));
  if (subjects.length > MAX_DELEGATED_SUBJECTS) errors.push(userError("VALIDATION_FAILED", `At most ${MAX_DELEGATED_SUBJECTS} users at once.`, ["input", "subjects"]));
  const resolved = resolveGoogleScopes(input.scopes);
  if (resolved.unknown.length) errors.push(userError("VALIDATION_FAILED", `Unknown scopes: ${resolved.unknown.slice(0, 5).join(", ")}.`, ["input", "scopes"]));
  if (errors.length) return fail(...errors);
  // A delegated token needs no identity scopes (the account is the subject), and each asked scope must be authorised by the admin.
  const scopes = resolved.scopes.filter((s) => !(GOOGLE_IDENTITY_SCOPES as readonly string[]).includes(s));

  // Google checks each user's delegation now: nothing is stored unless every one works.
  const minted: { subject: string; tokens: StoredTokens }[] = [];
  for (const [i, subject] of subjects.entries()) {
    const result = await mintDelegated(services, { id: "", tenantId: principal.tenantId, provider: "GOOGLE", subject, scopes }, key);
    if (!result.ok) {
      const transient = result.error instanceof ConnectorUnavailableError || classifyProviderError(result.error).kind === "TRANSIENT";
      return fail(
        transient
          ? userError("PROVIDER_UNAVAILABLE", "Google could not be reached; try again.", ["input", "subjects", String(i)])
          : userError("DELEGATION_REFUSED", classifyProviderError(result.error).message, ["input", "subjects", String(i)]),
      );
    }
    minted.push({ subject, tokens: result.tokens });
  }

  return runUnitOfWork(services, actor, async (uow) => {
    const connectionIds: string[] = [];
    const now = new Date();
    for (const { subject, tokens } of minted) {
      // A member's own mailbox becomes their connection (their calendar, their voice); any other address is a shared mailbox.
      const member = await uow.tx.membership.findFirst({ where: { user: { email: subject } }, select: { userId: true } });
      const ownerId = member?.userId ?? null;
      const existing = await uow.tx.connection.findFirst({
        where: { provider: "GOOGLE", userId: ownerId, accountEmail: subject, status: { not: "REVOKED" } },
        orderBy: { createdAt: "desc" },
      });
      const data = { status: "ACTIVE" as const, authMethod: "SERVICE_ACCOUNT" as const, scopes, connectedById: principal.userId!, lastError: null, lastErrorAt: null, lastSuccessAt: now };
      const connection = existing
        ? await uow.tx.connection.update({ where: { id: existing.id }, data })
        : await uow.tx.connection.create({ data: { ...data, tenantId: principal.tenantId, provider: "GOOGLE", userId: ownerId, accountEmail: subject } });
      await services.connectors.vault.store(uow.tx, principal.tenantId, connection.id, { ...tokens, serviceAccount: key });
      await uow.audit({
        action: existing ? "connection.reconnected" : "connection.connected",
        targetType: "Connection",
        targetId: connection.id,
        summary: { provider: "GOOGLE", method: "service_account", clientId: key.clientId, accountEmail: subject, shared: ownerId === null, scopes, previousStatus: existing?.status ?? null },
      });
      await uow.emit("sales.connection.connected", { connectionId: connection.id, provider: "GOOGLE", shared: ownerId === null, userId: ownerId });
      connectionIds.push(connection.id);
    }
    return ok({ connectionIds, clientId: key.clientId });
  });
}
