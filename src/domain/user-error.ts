// Business errors travel as data in mutation payloads (`userErrors`), never
// as exceptions that reach the client as top-level errors.

export const USER_ERROR_CODES = [
  "VALIDATION_FAILED",
  "NOT_FOUND",
  "FORBIDDEN",
  "CONFLICT",
  "LAST_OWNER",
  "ROLE_NOT_ASSIGNABLE",
  "ALREADY_REVOKED",
  "IDEMPOTENCY_KEY_REUSED",
  // Drafts and sending (operator mode)
  "RECIPIENT_HAS_NO_EMAIL",
  "RECIPIENT_SUPPRESSED",
  "SUBJECT_TOO_LONG",
  "BODY_TOO_LONG",
  "MAILBOX_NOT_ALLOWED",
  "INVALID_DRAFT_STATUS",
  "DRAFT_NOT_APPROVED",
  "ALREADY_APPROVED",
  "QUALITY_GATE_BLOCKED",
  "SELF_APPROVAL_FORBIDDEN",
  "ROLE_NOT_ALLOWED_BY_POLICY",
  "SENDING_DISABLED",
  "KILL_SWITCH_ENGAGED",
  "QUOTA_EXCEEDED",
  "STALE_REVISION",
  "ALREADY_SUPPRESSED",
  // Sales: a stage that is not in the tenant's pipeline; a move the pipeline
  // does not allow; a closed deal moved without an explicit reopen; a lead that
  // a hard rule disqualifies (no person or AI can qualify it).
  "UNKNOWN_STAGE",
  "INVALID_TRANSITION",
  "DEAL_CLOSED",
  "HARD_DISQUALIFIED",
  // Agents: a recommendation past its expiry, or already accepted/dismissed.
  "RECOMMENDATION_EXPIRED",
  "RECOMMENDATION_NOT_OPEN",
  // Connections: the provider is not configured on this server; the provider
  // could not be reached (or refused); the connection is not ACTIVE.
  "NOT_CONFIGURED",
  "PROVIDER_UNAVAILABLE",
  "CONNECTION_NOT_ACTIVE",
  // Google refused domain-wide delegation for a Workspace user (the message says what the admin must fix).
  "DELEGATION_REFUSED",
  // Tenant lifecycle: the tenant is suspended by the platform; an invitation
  // link that is not valid (forged, revoked, replaced), past its expiry, or
  // already accepted.
  "TENANT_SUSPENDED",
  "INVITATION_INVALID",
  "INVITATION_EXPIRED",
  "INVITATION_ALREADY_USED",
  // Meetings: the slot is busy on the calendar now; a draft's booking names a slot the draft did not offer.
  "SLOT_BUSY",
  "SLOT_NOT_OFFERED",
  // Gmail sync and voice from the mailbox: no connected mailbox of the caller's; the connection's
  // grant lacks the scope (e.g. gmail.readonly); the mailbox has no sent mail to learn from.
  "NOT_CONNECTED",
  "MISSING_SCOPE",
  "NO_SENT_MAIL",
  // Console sign-in with the identity provider: it refused (a used or foreign code, a wrong PKCE verifier,
  // a token that did not verify); nobody here has that address as a member; the provider did not verify
  // the address; the account here is already bound to another identity at that provider.
  "SIGN_IN_REFUSED",
  "NOT_A_MEMBER",
  "EMAIL_NOT_VERIFIED",
  "IDENTITY_ALREADY_LINKED",
  // sessionRefresh: the console session has reached OIDC_SESSION_MAX_HOURS since the sign-in; sign in again.
  "SESSION_EXPIRED",
  // sessionRefresh: the identity provider no longer accepts the sign-in (invalid_grant: the account disabled, the
  // grant revoked or expired); the session has ended and its tokens stop working. Sign in again.
  "SESSION_REVOKED",
  // Erasure (issue 15): the address belongs to a person whose data was erased; they are never stored again.
  "CONTACT_ERASED",
  // Four-eyes erasure: the request was decided already, or nobody decided it before its expiry.
  "ERASURE_REQUEST_NOT_PENDING",
  "ERASURE_REQUEST_EXPIRED",
  // Review claims: a colleague is reviewing the draft (draftClaim) and holds it until the claim expires.
  "DRAFT_CLAIMED",
] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

export interface UserError {
  /** Path to the offending input field, e.g. ["input", "email"]; empty when the error concerns the whole request. */
  field: string[];
  message: string;
  code: UserErrorCode;
}

export function userError(code: UserErrorCode, message: string, field: string[] = []): UserError {
  return { code, message, field };
}

/** The result of a use case: a value, or the business reasons it could not be done. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; errors: UserError[] };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = (...errors: UserError[]): Outcome<never> => ({ ok: false, errors });
