// The permission matrix: which role may do what. The GraphQL layer's auth
// scopes and every use case check permissions from here, never roles directly,
// so the README table and the enforcement cannot disagree.

export const ROLES = ["OWNER", "ADMIN", "MANAGER", "OPERATOR", "ANALYST", "SERVICE"] as const;
export type Role = (typeof ROLES)[number];

/** Roles a person can hold; SERVICE is reserved for the tenant's agent principal. */
export const HUMAN_ROLES = ["OWNER", "ADMIN", "MANAGER", "OPERATOR", "ANALYST"] as const satisfies readonly Role[];

export const PERMISSIONS = [
  "tenant:read",
  "settings:write",
  "member:read",
  "member:manage",
  "apikey:manage",
  "audit:read",
  "event:subscribe",
  "lead:read",
  "lead:write",
  "deal:read",
  "deal:write",
  "deal:reopen",
  "scoring:manage",
  "pipeline:manage",
  "task:write",
  "draft:read",
  "draft:write",
  "draft:approve",
  "draft:send",
  // Break a colleague's review claim early and take the draft over (draftClaimBreak): MANAGER and up.
  "draft:claim_break",
  "sending:control",
  "suppression:read",
  "suppression:write",
  "suppression:remove",
  "ai:read",
  "agent:run",
  "recommendation:act",
  "connection:read",
  "connection:connect",
  "connection:manage",
  // Retry a FAILED HubSpot sync item (a push or an engagement): a manager's call, like pausing sending.
  "connection:retry",
  "webhook:read",
  "webhook:manage",
  "report:read",
  "meeting:book",
  "sequence:read",
  "sequence:enroll",
  "sequence:manage",
  // Story-pitch campaigns (issue 12): read campaigns and results; preview a segment (a dry run); launch, pause, resume, cancel.
  "campaign:read",
  "campaign:preview",
  "campaign:manage",
  // Data-subject requests (issue 15): erase a contact's personal data; export one contact's; export the whole tenant.
  "contact:erase",
  "contact:export",
  "tenant:export",
  // Four-eyes erasure (issue 15): approve or reject another member's erasure request (OWNER, ADMIN); set the
  // tenant's governance policy — four-eyes erasure, its own API request budget (OWNER only).
  "erasure:approve",
  "governance:manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = [
  "tenant:read",
  "member:read",
  "audit:read",
  "event:subscribe",
  "lead:read",
  "deal:read",
  "draft:read",
  "suppression:read",
  "ai:read",
  "connection:read",
  // Outcome reports (aggregates only: funnel, agent performance, system health). Every human role: ANALYST is
  // the role that reads reports, and the matrix must stay monotonic (an OPERATOR can issue ANALYST keys, so
  // an ANALYST-only permission would let an operator's key do what the operator cannot).
  "report:read",
  // Sequences, their enrolments and engagement.
  "sequence:read",
  // Campaigns and their results (drafted, approved, sent, replied): aggregates and the recipients, like sequences.
  "campaign:read",
];

const OPERATOR: Permission[] = [
  ...READ,
  "lead:write",
  "task:write",
  "draft:write",
  "draft:approve",
  "draft:send",
  "suppression:write",
  "agent:run",
  "recommendation:act",
  "connection:connect",
  // Booking a meeting invites the contact from the person's own calendar (Google e-mails them): like sending, OPERATOR and up.
  "meeting:book",
  // Enrol contacts in a sequence, pause, resume or end an enrolment.
  "sequence:enroll",
  // Preview a campaign: ranks the segment and plans the days, writes nothing.
  "campaign:preview",
];

const MANAGER: Permission[] = [
  ...OPERATOR,
  "deal:write",
  "deal:reopen",
  "scoring:manage",
  "pipeline:manage",
  "suppression:remove",
  "sending:control",
  // Take over a draft a colleague is reviewing (their claim would otherwise hold for up to five minutes).
  "draft:claim_break",
  // Create, edit (a new version) and archive sequences: a cadence mails many people, so it is a manager's decision.
  "sequence:manage",
  // Launch, pause, resume and cancel campaigns: a campaign mails many people, so like a sequence it is a manager's decision.
  "campaign:manage",
  // Erasure destroys data for good and an export carries a person's whole record out: a manager's decision.
  "contact:erase",
  "contact:export",
  "connection:retry",
];

// Webhook endpoints are ADMIN-only, reading included: an endpoint URL can carry the receiver's own token,
// and delivery logs show what the receiver answered.
const ADMIN: Permission[] = [...MANAGER, "settings:write", "member:manage", "apikey:manage", "connection:manage", "webhook:read", "webhook:manage", "erasure:approve"];

/**
 * Agents act for the tenant: they read, score leads, write drafts and
 * recommendations, suppress on unsubscribe. They can never approve or send.
 */
const SERVICE: Permission[] = [
  "tenant:read",
  "lead:read",
  "lead:write",
  "deal:read",
  "task:write",
  "draft:read",
  "draft:write",
  "suppression:read",
  "suppression:write",
  "agent:run",
];

export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  OWNER: new Set(PERMISSIONS),
  ADMIN: new Set(ADMIN),
  MANAGER: new Set(MANAGER),
  OPERATOR: new Set(OPERATOR),
  ANALYST: new Set(READ),
  SERVICE: new Set(SERVICE),
};

/** Higher rank = more authority; used to stop anyone granting more than they hold. */
export const ROLE_RANK: Readonly<Record<Role, number>> = {
  OWNER: 5,
  ADMIN: 4,
  MANAGER: 3,
  OPERATOR: 2,
  ANALYST: 1,
  SERVICE: 0,
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/**
 * Effective permissions of a credential: its role's permissions, narrowed to
 * the scopes it was given (an empty scope list means "everything the role allows").
 */
export function effectivePermissions(role: Role, scopes: readonly string[] = []): ReadonlySet<Permission> {
  const base = ROLE_PERMISSIONS[role];
  if (scopes.length === 0) return base;
  return new Set([...base].filter((p) => scopes.includes(p)));
}

/** Whether `actorRole` may give someone `targetRole` (never above one's own; OWNER only by an OWNER). */
export function canAssignRole(actorRole: Role, targetRole: Role): boolean {
  if (targetRole === "SERVICE") return false;
  if (targetRole === "OWNER") return actorRole === "OWNER";
  return ROLE_RANK[actorRole] >= ROLE_RANK[targetRole];
}
