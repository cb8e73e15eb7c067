// Draft mutations, one per action: draftCreate, draftUpdate, draftApprove,
// draftReject, draftSend, draftCancel, draftClaim / draftRelease (a
// reviewer's hold on a pending draft), and draftsApprove (bulk, with a result
// per draft). Business refusals come back as userErrors and change nothing.
import {
  approveDraft,
  approveDrafts,
  cancelDraft,
  createDraft,
  draftCreateSchema,
  draftRejectSchema,
  draftUpdateSchema,
  rejectDraft,
  sendDraft,
  updateDraft,
} from "../../../orchestration/draft/draft.js";
import { breakDraftClaim, claimDraft, releaseDraft } from "../../../orchestration/draft/draft-claim.js";
import { DRAFT_CLAIM_SECONDS } from "../../../domain/draft/draft-claim.js";
import type { UserError } from "../../../domain/user-error.js";
import { userError } from "../../../domain/user-error.js";
import { actorOf, type GraphQLContext } from "../../context.js";
import { builder } from "../../builder.js";
import { DraftOriginEnum, MailCategoryEnum } from "./draft.js";
import { idOf } from "../global-id.js";
import { errorPayload, parseInput, payloadType, toPayload, UserErrorType, type Payload } from "../user-error.js";

type DraftPayloadShape = Payload<{ draftId: string }>;

function draftPayload(name: string) {
  return payloadType<DraftPayloadShape>(name, (t) => ({
    draft: t.prismaField({
      type: "Draft",
      nullable: true,
      resolve: (query, p, _args, ctx) => (p.draftId ? ctx.db.draft.findUnique({ ...query, where: { id: p.draftId } }) : null),
    }),
  }));
}

function keyOf(input: { idempotencyKey?: string | null }, ctx: GraphQLContext): string | null {
  return input.idempotencyKey ?? ctx.idempotencyKey;
}

/** Decodes optional global ids; collects NOT_FOUND errors for the ones that are not of the right type. */
function optionalIds(entries: [string, unknown, string][]): { ids: Record<string, string | undefined>; errors: UserError[] } {
  const ids: Record<string, string | undefined> = {};
  const errors: UserError[] = [];
  for (const [name, value, typename] of entries) {
    if (value === null || value === undefined) continue;
    const decoded = idOf(String(value), typename, ["input", name]);
    if (decoded.ok) ids[name] = decoded.id;
    else errors.push(...decoded.errors);
  }
  return { ids, errors };
}

const DraftRecipientInput = builder.inputType("DraftRecipientInput", {
  description: "Exactly one of: an existing contact, or an e-mail address (the contact is found or created).",
  fields: (t) => ({
    contactId: t.id({ required: false }),
    email: t.string({ required: false }),
    firstName: t.string({ required: false }),
    lastName: t.string({ required: false }),
  }),
});

const DraftCreateInput = builder.inputType("DraftCreateInput", {
  fields: (t) => ({
    recipient: t.field({ type: DraftRecipientInput, required: true }),
    leadId: t.id({ required: false }),
    dealId: t.id({ required: false }),
    mailbox: t.string({ required: false, description: "Sender mailbox: one of the tenant's (sending.mailboxes) your own address or a Google mailbox you connected. Default: the first configured, else yours." }),
    subject: t.string({ required: true }),
    bodyText: t.string({ required: true }),
    bodyHtml: t.string({ required: false }),
    category: t.field({ type: MailCategoryEnum, required: false, defaultValue: "ONE_TO_ONE" }),
    origin: t.field({ type: DraftOriginEnum, required: false, description: "People write OPERATOR drafts; agents and API clients may say AGENT or SEQUENCE." }),
    originRef: t.string({ required: false, description: "The agent job id or sequence step behind the draft." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("draftCreate", (t) =>
  t.field({
    type: draftPayload("DraftCreatePayload"),
    description: "Writes a draft for a contact. The quality gate runs at once: a BLOCK finding makes it BLOCKED, otherwise it waits in PENDING_REVIEW.",
    authScopes: { permission: "draft:write" },
    args: { input: t.arg({ type: DraftCreateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const r = input.recipient;
      const given = (r.contactId ? 1 : 0) + (r.email ? 1 : 0);
      if (given !== 1) {
        return errorPayload<{ draftId: string }>([userError("VALIDATION_FAILED", "Give exactly one of recipient.contactId or recipient.email.", ["input", "recipient"])]);
      }
      const { ids, errors } = optionalIds([
        ["contactId", r.contactId, "Contact"],
        ["leadId", input.leadId, "Lead"],
        ["dealId", input.dealId, "Deal"],
      ]);
      if (errors.length) return errorPayload<{ draftId: string }>(errors.map((e) => (e.field[1] === "contactId" ? { ...e, field: ["input", "recipient", "contactId"] } : e)));
      const parsed = parseInput(draftCreateSchema, {
        recipient: ids.contactId ? { contactId: ids.contactId } : { email: r.email, firstName: r.firstName, lastName: r.lastName },
        leadId: ids.leadId,
        dealId: ids.dealId,
        mailbox: input.mailbox,
        subject: input.subject,
        bodyText: input.bodyText,
        bodyHtml: input.bodyHtml,
        category: input.category ?? "ONE_TO_ONE",
        origin: input.origin,
        originRef: input.originRef,
      });
      if (!parsed.ok) return errorPayload<{ draftId: string }>(parsed.errors);
      return toPayload(await createDraft(ctx.services, actorOf(ctx), parsed.data, keyOf(input, ctx)));
    },
  }),
);

const DraftUpdateInput = builder.inputType("DraftUpdateInput", {
  fields: (t) => ({
    draftId: t.id({ required: true }),
    subject: t.string({ required: false }),
    bodyText: t.string({ required: false }),
    bodyHtml: t.string({ required: false, description: "null removes the HTML part." }),
    category: t.field({ type: MailCategoryEnum, required: false }),
    expectedRevision: t.int({ required: false, description: "Refuse the edit if the draft is no longer at this revision." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("draftUpdate", (t) =>
  t.field({
    type: draftPayload("DraftUpdatePayload"),
    description: "Revises a pending, approved or blocked draft. A new revision always goes back to review: approvals never carry over to changed text.",
    authScopes: { permission: "draft:write" },
    args: { input: t.arg({ type: DraftUpdateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.draftId), "Draft", ["input", "draftId"]);
      if (!id.ok) return errorPayload<{ draftId: string }>(id.errors);
      const parsed = parseInput(draftUpdateSchema, {
        draftId: id.id,
        subject: input.subject,
        bodyText: input.bodyText,
        bodyHtml: input.bodyHtml,
        category: input.category,
        expectedRevision: input.expectedRevision,
      });
      if (!parsed.ok) return errorPayload<{ draftId: string }>(parsed.errors);
      return toPayload(await updateDraft(ctx.services, actorOf(ctx), { ...parsed.data, clearHtml: input.bodyHtml === null }, keyOf(input, ctx)));
    },
  }),
);

function simpleDraftMutation(
  name: "draftApprove" | "draftSend" | "draftClaim" | "draftRelease",
  description: string,
  permission: "draft:approve" | "draft:send",
  run: typeof approveDraft,
) {
  const Input = builder.inputType(`${name[0]!.toUpperCase()}${name.slice(1)}Input`, {
    fields: (t) => ({ draftId: t.id({ required: true }), idempotencyKey: t.string({ required: false }) }),
  });
  builder.mutationField(name, (t) =>
    t.field({
      type: draftPayload(`${name[0]!.toUpperCase()}${name.slice(1)}Payload`),
      description,
      authScopes: { permission },
      args: { input: t.arg({ type: Input, required: true }) },
      resolve: async (_root, { input }, ctx) => {
        const id = idOf(String(input.draftId), "Draft", ["input", "draftId"]);
        if (!id.ok) return errorPayload<{ draftId: string }>(id.errors);
        return toPayload(await run(ctx.services, actorOf(ctx), { draftId: id.id }, keyOf(input, ctx)));
      },
    }),
  );
}

simpleDraftMutation(
  "draftApprove",
  "Approves the current revision. With the policy's number of approvals reached it becomes APPROVED (and is queued when auto-send is on).",
  "draft:approve",
  approveDraft,
);
simpleDraftMutation(
  "draftSend",
  "Queues an approved draft for sending (SEND_ALLOWED mode, no kill switch). The worker re-checks everything right before it sends.",
  "draft:send",
  sendDraft,
);

simpleDraftMutation(
  "draftClaim",
  `Claims a pending draft for review, or renews your claim: for ${DRAFT_CLAIM_SECONDS / 60} minutes nobody else can approve, reject or edit it (DRAFT_CLAIMED). Renew it while the draft stays open; deciding it, or draftRelease, ends it.`,
  "draft:approve",
  claimDraft,
);
simpleDraftMutation(
  "draftRelease",
  "Gives back your claim on a draft (nothing to do when nobody holds it; a colleague's claim is refused with DRAFT_CLAIMED).",
  "draft:approve",
  releaseDraft,
);

const DraftClaimBreakInput = builder.inputType("DraftClaimBreakInput", {
  fields: (t) => ({
    draftId: t.id({ required: true }),
    reason: t.string({ required: false, description: "Why (kept in the audit entry and the event; at most 500 characters)." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("draftClaimBreak", (t) =>
  t.field({
    type: draftPayload("DraftClaimBreakPayload"),
    description:
      "Takes over a pending draft a colleague is reviewing: their claim ends now and you hold it (as with draftClaim). Needs draft:claim_break (MANAGER and up); other reviewers get FORBIDDEN in userErrors. Audited as draft.claim_broken with the previous holder, announced as sales.draft.claim_broken (pendingDraftsChanged: UPDATED). On a draft nobody else holds it is a plain claim.",
    authScopes: { permission: "draft:approve" },
    args: { input: t.arg({ type: DraftClaimBreakInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.draftId), "Draft", ["input", "draftId"]);
      if (!id.ok) return errorPayload<{ draftId: string }>(id.errors);
      if (input.reason && input.reason.length > 500) {
        return errorPayload<{ draftId: string }>([userError("VALIDATION_FAILED", "At most 500 characters.", ["input", "reason"])]);
      }
      return toPayload(await breakDraftClaim(ctx.services, actorOf(ctx), { draftId: id.id, reason: input.reason }, keyOf(input, ctx)));
    },
  }),
);

const DraftRejectInput = builder.inputType("DraftRejectInput", {
  fields: (t) => ({ draftId: t.id({ required: true }), reason: t.string({ required: true }), idempotencyKey: t.string({ required: false }) }),
});

builder.mutationField("draftReject", (t) =>
  t.field({
    type: draftPayload("DraftRejectPayload"),
    authScopes: { permission: "draft:approve" },
    args: { input: t.arg({ type: DraftRejectInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.draftId), "Draft", ["input", "draftId"]);
      if (!id.ok) return errorPayload<{ draftId: string }>(id.errors);
      const parsed = parseInput(draftRejectSchema, { draftId: id.id, reason: input.reason });
      if (!parsed.ok) return errorPayload<{ draftId: string }>(parsed.errors);
      return toPayload(await rejectDraft(ctx.services, actorOf(ctx), parsed.data, keyOf(input, ctx)));
    },
  }),
);

const DraftCancelInput = builder.inputType("DraftCancelInput", {
  fields: (t) => ({ draftId: t.id({ required: true }), reason: t.string({ required: false }), idempotencyKey: t.string({ required: false }) }),
});

builder.mutationField("draftCancel", (t) =>
  t.field({
    type: draftPayload("DraftCancelPayload"),
    description: "Withdraws a draft that has not started sending (a QUEUED one included).",
    authScopes: { permission: "draft:write" },
    args: { input: t.arg({ type: DraftCancelInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.draftId), "Draft", ["input", "draftId"]);
      if (!id.ok) return errorPayload<{ draftId: string }>(id.errors);
      const reason = input.reason?.trim().slice(0, 2000) ?? null;
      return toPayload(await cancelDraft(ctx.services, actorOf(ctx), { draftId: id.id, reason }, keyOf(input, ctx)));
    },
  }),
);

const DraftsApproveInput = builder.inputType("DraftsApproveInput", {
  fields: (t) => ({ draftIds: t.idList({ required: true }), idempotencyKey: t.string({ required: false }) }),
});

interface BulkItem {
  draftId: string | null;
  globalId: string;
  userErrors: UserError[];
}

const DraftApprovalResultType = builder.objectRef<BulkItem>("DraftApprovalResult").implement({
  fields: (t) => ({
    draftId: t.id({ resolve: (i) => i.globalId, description: "The id as it was given." }),
    draft: t.prismaField({
      type: "Draft",
      nullable: true,
      resolve: (query, i, _a, ctx) => (i.draftId ? ctx.db.draft.findUnique({ ...query, where: { id: i.draftId } }) : null),
    }),
    userErrors: t.field({ type: [UserErrorType], resolve: (i) => i.userErrors }),
  }),
});

const DraftsApprovePayload = payloadType<Payload<{ results: BulkItem[] }>>("DraftsApprovePayload", (t) => ({
  results: t.field({ type: [DraftApprovalResultType], resolve: (p) => p.results ?? [] }),
  approvedCount: t.int({ resolve: (p) => (p.results ?? []).filter((r) => r.userErrors.length === 0).length }),
}));

const BULK_LIMIT = 100;

builder.mutationField("draftsApprove", (t) =>
  t.field({
    type: DraftsApprovePayload,
    description: `Approves up to ${BULK_LIMIT} drafts, each on its own: the result says per draft whether it was approved or why not.`,
    authScopes: { permission: "draft:approve" },
    args: { input: t.arg({ type: DraftsApproveInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const given = input.draftIds.map(String);
      if (given.length === 0 || given.length > BULK_LIMIT) {
        return errorPayload<{ results: BulkItem[] }>([
          userError("VALIDATION_FAILED", `Give between 1 and ${BULK_LIMIT} draft ids.`, ["input", "draftIds"]),
        ]);
      }
      const decoded = given.map((globalId, index) => ({ globalId, index, id: idOf(globalId, "Draft", ["input", "draftIds", String(index)]) }));
      const valid = decoded.filter((d) => d.id.ok).map((d) => (d.id as { ok: true; id: string }).id);
      const outcomes = await approveDrafts(ctx.services, actorOf(ctx), { draftIds: valid }, keyOf(input, ctx));
      let next = 0;
      const results = decoded.map((d): BulkItem => {
        if (!d.id.ok) return { globalId: d.globalId, draftId: null, userErrors: d.id.errors };
        const { draftId, outcome } = outcomes[next++]!;
        const errors = outcome.ok ? [] : outcome.errors.map((e) => ({ ...e, field: e.field.length ? ["input", "draftIds", String(d.index)] : e.field }));
        return { globalId: d.globalId, draftId, userErrors: errors };
      });
      return { results, userErrors: [] };
    },
  }),
);
