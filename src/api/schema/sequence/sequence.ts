// Sequences (cadences): the Sequence, its versions and steps, enrolments and
// their step runs, per-step engagement; `sequences`, `sequence`,
// `sequenceEnrollments`; `sequenceCreate/Update/Archive` (MANAGER and up:
// sequence:manage), `sequenceEnroll` and `enrollmentPause/Resume/Exit`
// (OPERATOR and up: sequence:enroll). Reading is sequence:read (every human role).
import { encodeGlobalID } from "@pothos/plugin-relay";
import { withTenant } from "../../../data/database.js";
import type { Prisma } from "../../../generated/prisma/client.js";
import {
  ENROLLMENT_REFUSALS,
  ENROLLMENT_STATUSES,
  EXIT_REASONS,
  formatClock,
  SEQUENCE_DELAY_UNITS,
  SEQUENCE_STEP_KINDS,
  STEP_OUTCOMES,
  type ExitReason,
} from "../../../domain/sequence/sequence.js";
import type { UserError } from "../../../domain/user-error.js";
import {
  archiveSequence,
  createSequence,
  enrollContacts,
  enrollmentPauseSchema,
  exitEnrollmentByUser,
  pauseEnrollmentByUser,
  resumeEnrollmentByUser,
  sequenceCreateSchema,
  sequenceEnrollSchema,
  sequenceUpdateSchema,
  updateSequence,
  type EnrollResult,
} from "../../../orchestration/sequence/sequence.js";
import { sequenceEngagement, type SequenceEngagement, type VariantEngagement } from "../../../data/sequence-engagement.js";
import { AB_MIN_SENDS, AB_Z_CRITICAL, type StepVariant, type VariantVerdict } from "../../../domain/sequence/sequence-variant.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { decodeId, idOf } from "../global-id.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";
import { CampaignSegmentInput, segmentOf } from "../campaign/campaign.js";
import { campaignSegmentSchema } from "../../../domain/campaign/campaign.js";
import { requestSegmentRun, setSequenceSegment } from "../../../orchestration/sequence/sequence-segment.js";

const READ = { permission: "sequence:read" } as const;

export const SequenceStatusEnum = builder.enumType("SequenceStatus", { values: ["ACTIVE", "ARCHIVED"] as const, description: "ARCHIVED: no new enrolments; enrolments in flight run to their end." });
export const SequenceStepKindEnum = builder.enumType("SequenceStepKind", { values: SEQUENCE_STEP_KINDS });
export const SequenceDelayUnitEnum = builder.enumType("SequenceDelayUnit", { values: SEQUENCE_DELAY_UNITS });
export const SequenceEnrollmentStatusEnum = builder.enumType("SequenceEnrollmentStatus", { values: ENROLLMENT_STATUSES });
export const SequenceStepOutcomeEnum = builder.enumType("SequenceStepOutcome", { values: STEP_OUTCOMES });
export const EnrollmentRefusalEnum = builder.enumType("EnrollmentRefusal", {
  values: ENROLLMENT_REFUSALS,
  description: "Why a contact was not enrolled.",
});
export const SequenceExitReasonEnum = builder.enumType("SequenceExitReason", { values: EXIT_REASONS });

const StepVariantType = builder.objectRef<StepVariant>("SequenceStepVariant").implement({
  description: "One variant of an A/B e-mail step. Each enrolment gets one, drawn deterministically from the enrolment by weight.",
  fields: (t) => ({
    key: t.exposeString("key", { description: "A or B." }),
    brief: t.exposeString("brief"),
    subject: t.exposeString("subject", { nullable: true }),
    weight: t.exposeInt("weight", { description: "Relative share of enrolments." }),
  }),
});

builder.prismaObject("SequenceStep", {
  authScopes: READ,
  fields: (t) => ({
    position: t.exposeInt("position", { description: "0-based order." }),
    kind: t.expose("kind", { type: SequenceStepKindEnum }),
    delayAmount: t.exposeInt("delayAmount", { description: "After the previous step (the first: after enrolment)." }),
    delayUnit: t.expose("delayUnit", { type: SequenceDelayUnitEnum }),
    windowStart: t.string({ description: "The send window's start in the recipient's local time (HH:MM).", resolve: (s) => formatClock(s.windowStart) }),
    windowEnd: t.string({ description: "The send window's end (HH:MM, exclusive).", resolve: (s) => formatClock(s.windowEnd) }),
    brief: t.exposeString("brief", { nullable: true, description: "EMAIL: what the draft writer is asked to write." }),
    subject: t.exposeString("subject", { nullable: true }),
    taskTitle: t.exposeString("taskTitle", { nullable: true }),
    variants: t.field({
      type: [StepVariantType],
      nullable: true,
      description: "EMAIL: the A/B test's two variants (A is the step's brief); null without a test.",
      resolve: (s) => (s.variants as StepVariant[] | null) ?? null,
    }),
  }),
});

builder.prismaObject("SequenceVersion", {
  authScopes: READ,
  fields: (t) => ({
    version: t.exposeInt("version"),
    skipWeekends: t.exposeBoolean("skipWeekends"),
    skipHolidays: t.exposeBoolean("skipHolidays", { description: "Skips the tenant's holidays (settings.sequences.holidays)." }),
    steps: t.relation("steps", { query: { orderBy: { position: "asc" } } }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const VariantEngagementType = builder.objectRef<VariantEngagement>("SequenceVariantEngagement").implement({
  description: "An A/B variant's sends and the replies to them (a reply counts for the last e-mail sent before it).",
  fields: (t) => ({
    variant: t.exposeString("variant"),
    sent: t.exposeInt("sent"),
    replied: t.exposeInt("replied", { description: "Any human reply (whatever the intent)." }),
    positiveReplied: t.exposeInt("positive", { description: "Replies with intent INTERESTED, MEETING_REQUEST, QUESTION or REFERRAL." }),
    replyRate: t.exposeFloat("replyRate"),
    positiveReplyRate: t.exposeFloat("positiveReplyRate"),
  }),
});
const AbVerdictType = builder.objectRef<VariantVerdict>("SequenceAbVerdict").implement({
  description: `The A/B rule: the positive-reply rates of A and B by a two-sided two-proportion z-test at 95% (|z| ≥ ${AB_Z_CRITICAL}), and only once each variant has ${AB_MIN_SENDS} sends.`,
  fields: (t) => ({
    winner: t.exposeString("winner", { nullable: true, description: "A or B; null: no winner yet (too few sends, or not significant)." }),
    z: t.exposeFloat("z", { nullable: true, description: "z of A against B (positive: A ahead)." }),
    reason: t.exposeString("reason"),
  }),
});

const StepEngagementType = builder.objectRef<SequenceEngagement["steps"][number]>("SequenceStepEngagement").implement({
  description: "What one step (by position, over all versions) produced.",
  fields: (t) => ({
    position: t.exposeInt("position"),
    scheduled: t.exposeInt("scheduled", { description: "Waiting for their time." }),
    drafted: t.exposeInt("drafted", { description: "Drafts written (whatever became of them)." }),
    approved: t.exposeInt("approved", { description: "Of those, approved." }),
    rejected: t.exposeInt("rejected"),
    sent: t.exposeInt("sent"),
    tasks: t.exposeInt("tasks"),
    skipped: t.exposeInt("skipped"),
    pushed: t.exposeInt("pushed", { description: "Steps that waited for a later window (not approved or not sent in time)." }),
    replied: t.exposeInt("replied", { description: "Enrolments that ended with a reply (any intent, incl. meeting requests and objections) while at this step." }),
    variants: t.field({ type: [VariantEngagementType], description: "A/B steps: per variant; empty otherwise.", resolve: (e) => e.variants }),
    abTest: t.field({ type: AbVerdictType, nullable: true, description: "A/B steps: the winner by the stated rule.", resolve: (e) => e.abTest }),
  }),
});
const ExitCountType = builder.objectRef<{ reason: string; count: number }>("SequenceExitCount").implement({
  fields: (t) => ({ reason: t.field({ type: SequenceExitReasonEnum, resolve: (r) => r.reason as ExitReason }), count: t.exposeInt("count") }),
});
const EngagementType = builder.objectRef<SequenceEngagement>("SequenceEngagement").implement({
  fields: (t) => ({
    active: t.exposeInt("active"),
    paused: t.exposeInt("paused"),
    completed: t.exposeInt("completed"),
    exited: t.exposeInt("exited"),
    steps: t.field({ type: [StepEngagementType], resolve: (e) => e.steps }),
    exitsByReason: t.field({ type: [ExitCountType], resolve: (e) => e.exitsByReason }),
  }),
});

export const SequenceType = builder.prismaNode("Sequence", {
  id: { field: "id" },
  authScopes: READ,
  fields: (t) => ({
    name: t.exposeString("name"),
    description: t.exposeString("description"),
    status: t.expose("status", { type: SequenceStatusEnum }),
    currentVersion: t.exposeInt("currentVersion", { description: "The version new enrolments get. Enrolments in flight stay on the version they were enrolled on." }),
    version: t.prismaField({
      type: "SequenceVersion",
      nullable: true,
      description: "A version (default: the current one).",
      args: { version: t.arg.int({ required: false }) },
      resolve: (query, s, args, ctx) => ctx.db.sequenceVersion.findUnique({ ...query, where: { sequenceId_version: { sequenceId: s.id, version: args.version ?? s.currentVersion } } }),
    }),
    versions: t.relation("versions", { query: { orderBy: { version: "desc" } } }),
    segment: t.field({
      type: "JSON",
      nullable: true,
      description: "Enrolment by rule: the saved segment (CampaignSegmentInput's fields) whose new matches are enrolled hourly and on sequenceSegmentRun; null: none.",
      resolve: (s) => (s.segment as object | null) ?? null,
    }),
    segmentRunAt: t.expose("segmentRunAt", { type: "DateTime", nullable: true, description: "When the enrolment rule last ran." }),
    engagement: t.field({
      type: EngagementType,
      resolve: (s, _args, ctx) => {
        const { tenantId, userId } = actorOf(ctx).principal;
        return withTenant(ctx.services.db.prisma, { tenantId, userId }, (tx) => sequenceEngagement(tx, tenantId, s.id));
      },
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

builder.prismaObject("SequenceStepRun", {
  authScopes: READ,
  fields: (t) => ({
    position: t.exposeInt("position"),
    kind: t.expose("kind", { type: SequenceStepKindEnum }),
    scheduledFor: t.expose("scheduledFor", { type: "DateTime", description: "When it is due: inside the recipient's window. Moves when the step waits for a later window." }),
    windowEnd: t.expose("windowEnd", { type: "DateTime" }),
    outcome: t.expose("outcome", { type: SequenceStepOutcomeEnum }),
    outcomeReason: t.exposeString("outcomeReason", { nullable: true }),
    pushedCount: t.exposeInt("pushedCount"),
    pushReason: t.exposeString("pushReason", { nullable: true }),
    variant: t.exposeString("variant", { nullable: true, description: "The A/B variant this enrolment got at this step (A or B)." }),
    draft: t.prismaField({
      type: "Draft",
      nullable: true,
      resolve: (query, r, _args, ctx) => (r.draftId ? ctx.db.draft.findUnique({ ...query, where: { id: r.draftId } }) : null),
    }),
    taskId: t.id({ nullable: true, resolve: (r) => (r.taskId ? encodeGlobalID("Task", r.taskId) : null) }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true }),
  }),
});

export const SequenceEnrollmentType = builder.prismaNode("SequenceEnrollment", {
  id: { field: "id" },
  authScopes: READ,
  fields: (t) => ({
    sequence: t.relation("sequence"),
    version: t.relation("version", { description: "The version this enrolment runs on (editing the sequence does not change it)." }),
    contact: t.prismaField({
      type: "Contact",
      nullable: true,
      resolve: (query, e, _args, ctx) => ctx.db.contact.findUnique({ ...query, where: { id: e.contactId } }),
    }),
    status: t.expose("status", { type: SequenceEnrollmentStatusEnum }),
    currentStep: t.exposeInt("currentStep", { description: "Position of the step in progress." }),
    timeZone: t.exposeString("timeZone", { description: "The recipient's zone the windows are in." }),
    timeZoneSource: t.exposeString("timeZoneSource", { description: "CONTACT, INFERRED (the company's country) or TENANT." }),
    exitReason: t.field({ type: SequenceExitReasonEnum, nullable: true, resolve: (e) => e.exitReason as ExitReason | null }),
    exitDetail: t.exposeString("exitDetail", { nullable: true }),
    pausedUntil: t.expose("pausedUntil", { type: "DateTime", nullable: true }),
    pauseReason: t.exposeString("pauseReason", { nullable: true }),
    enrolledBy: t.exposeString("enrolledByLabel", { nullable: true }),
    steps: t.relation("runs", { query: { orderBy: { position: "asc" } } }),
    exitedAt: t.expose("exitedAt", { type: "DateTime", nullable: true }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryField("sequences", (t) =>
  t.prismaConnection(
    {
      type: "Sequence",
      cursor: "id",
      authScopes: READ,
      args: { status: t.arg({ type: SequenceStatusEnum, required: false }) },
      resolve: (query, _root, args, ctx) => ctx.db.sequence.findMany({ ...query, where: args.status ? { status: args.status } : {}, orderBy: { id: "desc" } }),
    },
    { name: "SequenceConnection" },
    { name: "SequenceEdge" },
  ),
);

builder.queryField("sequence", (t) =>
  t.prismaField({
    type: "Sequence",
    nullable: true,
    authScopes: READ,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => {
      const uuid = decodeId(id, "Sequence");
      return uuid ? ctx.db.sequence.findUnique({ ...query, where: { id: uuid } }) : null;
    },
  }),
);

builder.queryField("sequenceEnrollments", (t) =>
  t.prismaConnection(
    {
      type: "SequenceEnrollment",
      cursor: "id",
      authScopes: READ,
      description: "A sequence's enrolments, newest first.",
      args: {
        sequenceId: t.arg.id({ required: true }),
        status: t.arg({ type: SequenceEnrollmentStatusEnum, required: false }),
      },
      resolve: (query, _root, args, ctx) => {
        const id = decodeId(args.sequenceId, "Sequence");
        if (!id) return [];
        const where: Prisma.SequenceEnrollmentWhereInput = { sequenceId: id, ...(args.status ? { status: args.status } : {}) };
        return ctx.db.sequenceEnrollment.findMany({ ...query, where, orderBy: { id: "desc" } });
      },
    },
    { name: "SequenceEnrollmentConnection" },
    { name: "SequenceEnrollmentEdge" },
  ),
);

// ---- mutations ----------------------------------------------------------------------------

const SequenceStepVariantInput = builder.inputType("SequenceStepVariantInput", {
  fields: (t) => ({
    brief: t.string({ required: true, description: "What the draft writer should write for this variant." }),
    subject: t.string({ required: false }),
    weight: t.int({ required: false, description: "Relative share of enrolments, 1–100 (default 1: an even split)." }),
  }),
});

const SequenceStepInput = builder.inputType("SequenceStepInput", {
  fields: (t) => ({
    kind: t.field({ type: SequenceStepKindEnum, required: true }),
    delayAmount: t.int({ required: true, description: "After the previous step (the first: after enrolment). 0 = the first window." }),
    delayUnit: t.field({ type: SequenceDelayUnitEnum, required: false, description: "Default BUSINESS_DAYS." }),
    windowStart: t.string({ required: false, description: "HH:MM in the recipient's zone (default 08:00)." }),
    windowEnd: t.string({ required: false, description: "HH:MM (default 11:00)." }),
    brief: t.string({ required: false, description: "EMAIL: what the draft writer should write (it personalises it in the sender's voice)." }),
    subject: t.string({ required: false, description: "EMAIL: a fixed subject; default: the writer's." }),
    taskTitle: t.string({ required: false, description: "TASK: what the person should do." }),
    variants: t.field({
      type: [SequenceStepVariantInput],
      required: false,
      description: "EMAIL: an A/B test of exactly two variants (A, B); the step's brief and subject are then variant A's.",
    }),
  }),
});

type StepArg = {
  kind: string;
  delayAmount: number;
  delayUnit?: string | null;
  windowStart?: string | null;
  windowEnd?: string | null;
  brief?: string | null;
  subject?: string | null;
  taskTitle?: string | null;
  variants?: Array<{ brief: string; subject?: string | null; weight?: number | null }> | null;
};
const stepsOf = (steps: StepArg[]) =>
  steps.map((s) => ({
    kind: s.kind,
    delayAmount: s.delayAmount,
    delayUnit: s.delayUnit ?? undefined,
    windowStart: s.windowStart ?? undefined,
    windowEnd: s.windowEnd ?? undefined,
    brief: s.brief,
    subject: s.subject,
    taskTitle: s.taskTitle,
    variants: s.variants?.map((v) => ({ brief: v.brief, subject: v.subject, weight: v.weight ?? undefined })) ?? undefined,
  }));

const SequenceCreateInput = builder.inputType("SequenceCreateInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string({ required: false }),
    steps: t.field({ type: [SequenceStepInput], required: true }),
    skipWeekends: t.boolean({ required: false, description: "Default true." }),
    skipHolidays: t.boolean({ required: false, description: "Default true: the tenant's holidays (settings.sequences.holidays)." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

type SequenceShape = { sequenceId: string; version?: number; newVersion?: boolean; enrollmentsOnEarlierVersions?: number };
const SequencePayload = (name: string) =>
  payloadType<Payload<SequenceShape>>(name, (t) => ({
    sequence: t.prismaField({
      type: "Sequence",
      nullable: true,
      resolve: (query, p, _args, ctx) => (p.sequenceId ? ctx.db.sequence.findUnique({ ...query, where: { id: p.sequenceId } }) : null),
    }),
    newVersion: t.boolean({ nullable: true, description: "sequenceUpdate: the steps or skip rules changed, so new enrolments get a new version.", resolve: (p) => p.newVersion ?? null }),
    enrollmentsOnEarlierVersions: t.int({
      nullable: true,
      description: "sequenceUpdate: live enrolments that stay on an earlier version (editing never changes enrolments in flight).",
      resolve: (p) => p.enrollmentsOnEarlierVersions ?? null,
    }),
  }));

builder.mutationField("sequenceCreate", (t) =>
  t.field({
    type: SequencePayload("SequenceCreatePayload"),
    authScopes: { permission: "sequence:manage" },
    args: { input: t.arg({ type: SequenceCreateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(sequenceCreateSchema, {
        name: input.name,
        description: input.description ?? undefined,
        steps: stepsOf(input.steps),
        skipWeekends: input.skipWeekends ?? undefined,
        skipHolidays: input.skipHolidays ?? undefined,
      });
      if (!parsed.ok) return errorPayload<SequenceShape>(parsed.errors);
      return toPayload(await createSequence(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const SequenceUpdateInput = builder.inputType("SequenceUpdateInput", {
  fields: (t) => ({
    sequenceId: t.id({ required: true }),
    name: t.string({ required: false }),
    description: t.string({ required: false }),
    steps: t.field({ type: [SequenceStepInput], required: false, description: "Given: a new version with these steps. Enrolments in flight stay on theirs." }),
    skipWeekends: t.boolean({ required: false }),
    skipHolidays: t.boolean({ required: false }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("sequenceUpdate", (t) =>
  t.field({
    type: SequencePayload("SequenceUpdatePayload"),
    authScopes: { permission: "sequence:manage" },
    args: { input: t.arg({ type: SequenceUpdateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.sequenceId), "Sequence", ["input", "sequenceId"]);
      if (!id.ok) return errorPayload<SequenceShape>(id.errors);
      const parsed = parseInput(sequenceUpdateSchema, {
        sequenceId: id.id,
        name: input.name ?? undefined,
        description: input.description ?? undefined,
        steps: input.steps ? stepsOf(input.steps) : undefined,
        skipWeekends: input.skipWeekends ?? undefined,
        skipHolidays: input.skipHolidays ?? undefined,
      });
      if (!parsed.ok) return errorPayload<SequenceShape>(parsed.errors);
      return toPayload(await updateSequence(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const SequenceArchiveInput = builder.inputType("SequenceArchiveInput", {
  fields: (t) => ({ sequenceId: t.id({ required: true }), idempotencyKey: t.string({ required: false }) }),
});

builder.mutationField("sequenceArchive", (t) =>
  t.field({
    type: SequencePayload("SequenceArchivePayload"),
    description: "No new enrolments; enrolments in flight run to their end (end them with enrollmentExit).",
    authScopes: { permission: "sequence:manage" },
    args: { input: t.arg({ type: SequenceArchiveInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.sequenceId), "Sequence", ["input", "sequenceId"]);
      if (!id.ok) return errorPayload<SequenceShape>(id.errors);
      return toPayload(await archiveSequence(ctx.services, actorOf(ctx), { sequenceId: id.id }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const SequenceEnrollInput = builder.inputType("SequenceEnrollInput", {
  fields: (t) => ({
    sequenceId: t.id({ required: true }),
    contactIds: t.idList({ required: true, description: "Contacts (global ids), at most 1000." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const EnrollResultType = builder.objectRef<EnrollResult>("SequenceEnrollResult").implement({
  description: "One contact's result: enrolled (enrollment set) or refused with the reason.",
  fields: (t) => ({
    contactId: t.id({ resolve: (r) => r.contactId }),
    enrollment: t.prismaField({
      type: "SequenceEnrollment",
      nullable: true,
      resolve: (query, r, _args, ctx) => (r.enrollmentId ? ctx.db.sequenceEnrollment.findUnique({ ...query, where: { id: r.enrollmentId } }) : null),
    }),
    refusal: t.field({ type: EnrollmentRefusalEnum, nullable: true, resolve: (r) => r.refusal }),
    message: t.string({ nullable: true, resolve: (r) => r.message }),
    firstStepAt: t.field({ type: "DateTime", nullable: true, description: "When the first step is due (in the recipient's window).", resolve: (r) => r.firstStepAt }),
    pushReason: t.string({
      nullable: true,
      description: "Why the first step was placed in a later window than its delay said (a mailbox or recipient quota would have broken).",
      resolve: (r) => r.pushReason ?? null,
    }),
  }),
});

type EnrollShape = { sequenceId: string; results: EnrollResult[] };
const SequenceEnrollPayload = payloadType<Payload<EnrollShape>>("SequenceEnrollPayload", (t) => ({
  results: t.field({ type: [EnrollResultType], nullable: true, resolve: (p) => p.results ?? null }),
  enrolledCount: t.int({ nullable: true, resolve: (p) => (p.results ? p.results.filter((r) => r.enrollmentId).length : null) }),
  refusedCount: t.int({ nullable: true, resolve: (p) => (p.results ? p.results.filter((r) => r.refusal).length : null) }),
}));

builder.mutationField("sequenceEnroll", (t) =>
  t.field({
    type: SequenceEnrollPayload,
    description: "Enrols contacts in the sequence's current version; each contact is enrolled or refused with a reason (the others go on).",
    authScopes: { permission: "sequence:enroll" },
    args: { input: t.arg({ type: SequenceEnrollInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.sequenceId), "Sequence", ["input", "sequenceId"]);
      if (!id.ok) return errorPayload<EnrollShape>(id.errors);
      const given = input.contactIds.map(String);
      const parsed = parseInput(sequenceEnrollSchema, { sequenceId: id.id, contactIds: given });
      if (!parsed.ok) return errorPayload<EnrollShape>(parsed.errors);
      // An id that names no contact is refused as NOT_FOUND, reported under the id it was given.
      const decoded = given.map((g) => decodeId(g, "Contact") ?? `invalid:${g}`);
      const outcome = await enrollContacts(ctx.services, actorOf(ctx), { sequenceId: id.id, contactIds: decoded }, input.idempotencyKey ?? ctx.idempotencyKey);
      if (!outcome.ok) return errorPayload<EnrollShape>(outcome.errors);
      const results = outcome.value.results.map((r) => ({
        ...r,
        contactId: r.contactId.startsWith("invalid:") ? r.contactId.slice(8) : encodeGlobalID("Contact", r.contactId),
        firstStepAt: r.firstStepAt ? new Date(r.firstStepAt) : null,
      }));
      return { sequenceId: outcome.value.sequenceId, results, userErrors: [] as UserError[] };
    },
  }),
);

const EnrollmentPayload = (name: string) =>
  payloadType<Payload<{ enrollmentId: string }>>(name, (t) => ({
    enrollment: t.prismaField({
      type: "SequenceEnrollment",
      nullable: true,
      resolve: (query, p, _args, ctx) => (p.enrollmentId ? ctx.db.sequenceEnrollment.findUnique({ ...query, where: { id: p.enrollmentId } }) : null),
    }),
  }));

const EnrollmentPauseInput = builder.inputType("EnrollmentPauseInput", {
  fields: (t) => ({
    enrollmentId: t.id({ required: true }),
    until: t.field({ type: "DateTime", required: false, description: "Resumes by itself then; absent: until enrollmentResume." }),
    reason: t.string({ required: false }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("enrollmentPause", (t) =>
  t.field({
    type: EnrollmentPayload("EnrollmentPausePayload"),
    authScopes: { permission: "sequence:enroll" },
    args: { input: t.arg({ type: EnrollmentPauseInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.enrollmentId), "SequenceEnrollment", ["input", "enrollmentId"]);
      if (!id.ok) return errorPayload<{ enrollmentId: string }>(id.errors);
      const parsed = parseInput(enrollmentPauseSchema, { enrollmentId: id.id, until: input.until ?? null, reason: input.reason ?? null });
      if (!parsed.ok) return errorPayload<{ enrollmentId: string }>(parsed.errors);
      return toPayload(await pauseEnrollmentByUser(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const EnrollmentIdInput = (name: string, withReason: boolean) =>
  builder.inputType(name, {
    fields: (t) => ({
      enrollmentId: t.id({ required: true }),
      ...(withReason ? { reason: t.string({ required: false }) } : {}),
      idempotencyKey: t.string({ required: false }),
    }),
  });

builder.mutationField("enrollmentResume", (t) =>
  t.field({
    type: EnrollmentPayload("EnrollmentResumePayload"),
    authScopes: { permission: "sequence:enroll" },
    args: { input: t.arg({ type: EnrollmentIdInput("EnrollmentResumeInput", false), required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.enrollmentId), "SequenceEnrollment", ["input", "enrollmentId"]);
      if (!id.ok) return errorPayload<{ enrollmentId: string }>(id.errors);
      return toPayload(await resumeEnrollmentByUser(ctx.services, actorOf(ctx), { enrollmentId: id.id }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

builder.mutationField("enrollmentExit", (t) =>
  t.field({
    type: EnrollmentPayload("EnrollmentExitPayload"),
    description: "Ends the enrolment (reason MANUAL); a step draft not yet sent is cancelled.",
    authScopes: { permission: "sequence:enroll" },
    args: { input: t.arg({ type: EnrollmentIdInput("EnrollmentExitInput", true), required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.enrollmentId), "SequenceEnrollment", ["input", "enrollmentId"]);
      if (!id.ok) return errorPayload<{ enrollmentId: string }>(id.errors);
      const reason = (input as { reason?: string | null }).reason ?? null;
      return toPayload(await exitEnrollmentByUser(ctx.services, actorOf(ctx), { enrollmentId: id.id, reason }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

// ---- enrolment by rule ----------------------------------------------------------------------

const SequenceSetSegmentInput = builder.inputType("SequenceSetSegmentInput", {
  fields: (t) => ({
    sequenceId: t.id({ required: true }),
    segment: t.field({
      type: CampaignSegmentInput,
      required: false,
      description: "The rule: contacts matching it are enrolled (with sequenceEnroll's refusals), each at most once. Absent or null: no rule.",
    }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("sequenceSetSegment", (t) =>
  t.field({
    type: SequencePayload("SequenceSetSegmentPayload"),
    description: "Sets (or removes) the sequence's enrolment rule, a saved segment; a new rule runs at once, then hourly.",
    authScopes: { permission: "sequence:manage" },
    args: { input: t.arg({ type: SequenceSetSegmentInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.sequenceId), "Sequence", ["input", "sequenceId"]);
      if (!id.ok) return errorPayload<SequenceShape>(id.errors);
      let segment = null;
      if (input.segment) {
        const parsed = parseInput(campaignSegmentSchema, segmentOf(input.segment as Record<string, unknown>), ["input", "segment"]);
        if (!parsed.ok) return errorPayload<SequenceShape>(parsed.errors);
        segment = parsed.data;
      }
      return toPayload(await setSequenceSegment(ctx.services, actorOf(ctx), { sequenceId: id.id, segment }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const SequenceSegmentRunInput = builder.inputType("SequenceSegmentRunInput", {
  fields: (t) => ({ sequenceId: t.id({ required: true }), idempotencyKey: t.string({ required: false }) }),
});

builder.mutationField("sequenceSegmentRun", (t) =>
  t.field({
    type: SequencePayload("SequenceSegmentRunPayload"),
    description: "Runs the sequence's enrolment rule now (a job: its new matches are enrolled within seconds; see sales.sequence.segment_run).",
    authScopes: { permission: "sequence:enroll" },
    args: { input: t.arg({ type: SequenceSegmentRunInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.sequenceId), "Sequence", ["input", "sequenceId"]);
      if (!id.ok) return errorPayload<SequenceShape>(id.errors);
      return toPayload(await requestSegmentRun(ctx.services, actorOf(ctx), { sequenceId: id.id }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);
