// Who is acting. Every use case receives the principal; nothing runs as
// "system with no tenant": agents act as the tenant's SERVICE principal.
import { ROLE_PERMISSIONS, type Permission, type Role } from "./permission.js";

export type PrincipalKind = "USER" | "API_KEY" | "AGENT";

export interface Principal {
  kind: PrincipalKind;
  /** User id, API key id, or the agent's name. */
  id: string;
  tenantId: string;
  role: Role;
  permissions: ReadonlySet<Permission>;
  /** Human-readable, for audit entries ("user:…", "apikey:sk_ab12…", "agent:inbound"). */
  label: string;
  /** The user behind the action, when there is one (a user, or the creator of an API key). */
  userId: string | null;
  /** Came from the short-lived authentication cache: each transaction of the request re-checks `accessFingerprint`. */
  cached?: boolean;
  /** What authentication decided from (a user's role; a key's role, scopes and creator's role). */
  accessFingerprint?: string;
  /** A person's bearer-token session (epoch seconds): when they signed in (`auth_time`, else `iat`) and when the token expires. */
  session?: {
    startedAt: number;
    expiresAt: number;
    /** The identity-provider sign-in behind the token (OidcSession id, the `sid` claim); absent for tokens not from an OIDC sign-in. */
    oidcSessionId?: string;
  };
}

/** Request metadata carried into audit entries and logs. */
export interface RequestMeta {
  requestId: string;
  traceId: string | null;
}

export function can(principal: Principal | null | undefined, permission: Permission): boolean {
  return !!principal && principal.permissions.has(permission);
}

/** The tenant's agent principal: role SERVICE, never able to approve or send. */
export function agentPrincipal(tenantId: string, agent: string): Principal {
  return {
    kind: "AGENT",
    id: agent,
    tenantId,
    role: "SERVICE",
    permissions: ROLE_PERMISSIONS.SERVICE,
    label: `agent:${agent}`,
    userId: null,
  };
}
