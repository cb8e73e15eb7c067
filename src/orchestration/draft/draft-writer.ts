// The draft writer: a reply or outreach e-mail from the lead/contact/company
// facts, the thread's facts, the message being answered, the recommendation
// behind it and the author's learned voice. The agent creates it through the
// draft use case as the tenant's SERVICE principal (origin AGENT, originRef =
// its job id): the quality gate runs and the draft waits in the review queue
// (PENDING_REVIEW, or BLOCKED by the gate). It is never approved or sent here.
import type { DraftWriterInput } from "../../ai/prompts/draft-writer.js";
import type { ThreadFacts } from "../../ai/prompts/thread-reader.js";
import type { AiContext, AiResult } from "../../ai/runtime.js";
import { withTenant, type Prisma, type Tx } from "../../data/database.js";
import type { CitedAsset, RankedAsset } from "../../domain/draft/asset.js";
import { assetsForDraft } from "./asset-hunter.js";
import { slotsForDraft, type OfferedSlots } from "./meeting-slot.js";
import { replySubject } from "../../domain/inbound/inbound-message.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { branchBrief, type SequenceBranch } from "../../domain/sequence/sequence.js";
import { stripQuoted } from "../../domain/draft/voice.js";
import { fail, ok } from "../../domain/user-error.js";
import { resolveAuthor, type Author } from "../agent/agent-facts.js";
import { AgentSkip, PermanentAgentError, type AgentRunContext } from "../agent/agent-run.js";
import { createDraftInUnitOfWork } from "./draft.js";
import { receivingMailboxOf } from "./reply-mailbox.js";
import { calendarConnectionOf } from "./meeting-slot.js";
import { replyAuthorCandidates, replySendsFrom } from "../../domain/draft/reply-author.js";
import { memoriesForContext, type ContextMemory } from "../memory/memory.js";
import type { Services } from "../services.js";
import { suppressionCheck } from "../sending/suppression.js";
import { runUnitOfWork } from "../unit-of-work.js";

export interface DraftSpec {
  kind: "REPLY" | "OUTREACH";
  /** The contact to write to; or, for someone not yet a contact (a referral), their address and name. */
  contactId: string | null;
  newContact?: { email: string; firstName: string | null; lastName: string | null } | null;
  leadId?: string | null;
  dealId?: string | null;
  threadId?: string | null;
  /** The message answered (a reply); default for a reply: the contact's latest. */
  inboundMessageId?: string | null;
  recommendation?: { title: string; rationale: string } | null;
  /**
   * Members to write for, in order of preference (e.g. the accepting user); then, for a reply to mail that came
   * through a connected Google mailbox, that mailbox's author (domain/draft/reply-author.ts); then the lead's,
   * contact's and deal's owners and the tenant default.
   */
  authorCandidates?: Array<string | null | undefined>;
  /** A reply to a form submission (an inbound webhook) rather than to an e-mail: what the person wrote in the form. */
  formSubmission?: { formName: string | null; message: string | null; pageUrl?: string | null } | null;
  /**
   * Consult the author's Google Calendar (free slots, for meeting requests and
   * follow-ups) and Drive (allowlisted assets) — the agents and recommendation
   * acceptance do; default false.
   */
  calendarAndAssets?: boolean;
}

export interface ComposedDraft {
  /** Who it goes to: the contact, or the address of someone not yet a contact. */
  recipient: { contactId: string } | { email: string; firstName: string | null; lastName: string | null };
  subject: string;
  bodyText: string;
  factsUsed: string[];
  author: Author | null;
  /** The mailbox to send from: the connected mailbox the answered message arrived at (null: the usual choice). */
  sendFrom: string | null;
  /** False when the contact may not be mailed (suppressed, do-not-contact, no address). */
  reachable: boolean;
  leadId: string | null;
  dealId: string | null;
  threadId: string | null;
  inboundMessageId: string | null;
  /** The slots looked up for this draft (null: none were: no connected calendar, or not a meeting request/follow-up). */
  offeredSlots: OfferedSlots | null;
  /** The assets the text actually links (their links pass the quality gate). */
  citedAssets: CitedAsset[];
  /** What long memory gave the writer (recorded with the draft for the reviewer: Draft.memoriesUsed). */
  memoriesUsed: ContextMemory[];
}

interface WriterFacts {
  input: DraftWriterInput;
  author: Author | null;
  sendFrom: string | null;
  reachable: boolean;
  knownNames: Array<string | null>;
  links: Pick<ComposedDraft, "recipient" | "leadId" | "dealId" | "threadId" | "inboundMessageId">;
  inboundSubject: string | null;
  /** An outreach to someone already written to (a thread or a sent draft exists): a follow-up. */
  followUp: boolean;
  /** The contact's company (long memory looks up what concerns either). */
  companyId: string | null;
}

/** The recipient as the writer sees them: a stored contact, or a person not yet stored (id null). */
async function recipientOf(tx: Tx, spec: DraftSpec) {
  if (spec.contactId) return tx.contact.findUnique({ where: { id: spec.contactId }, include: { company: true } });
  if (!spec.newContact) return null;
  const { email, firstName, lastName } = spec.newContact;
  return { id: null, email, firstName, lastName, title: null, ownerId: null, doNotContact: false, company: null };
}

async function readWriterFacts(tx: Tx, tenantId: string, spec: DraftSpec): Promise<WriterFacts | null> {
  const contact = await recipientOf(tx, spec);
  if (!contact) return null;
  const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { name: true, settings: true } });
  const settings = readTenantSettings(tenant.settings);
  const lead = spec.leadId
    ? await tx.lead.findUnique({ where: { id: spec.leadId }, select: { id: true, ownerId: true } })
    : contact.id
      ? await tx.lead.findFirst({ where: { contactId: contact.id }, select: { id: true, ownerId: true } })
      : null;
  const deal = spec.dealId ? await tx.deal.findUnique({ where: { id: spec.dealId }, select: { id: true, ownerId: true } }) : null;
  const inbound =
    spec.kind !== "REPLY" || !contact.id || spec.formSubmission
      ? null
      : spec.inboundMessageId
        ? await tx.inboundMessage.findUnique({ where: { id: spec.inboundMessageId } })
        : await tx.inboundMessage.findFirst({ where: { contactId: contact.id, automated: false }, orderBy: { receivedAt: "desc" } });
  const threadId = spec.threadId ?? inbound?.threadId ?? null;
  const thread = threadId
    ? await tx.emailThread.findUnique({ where: { id: threadId }, select: { id: true, facts: true } })
    : contact.id
      ? await tx.emailThread.findFirst({ where: { contactId: contact.id, factsUpdatedAt: { not: null } }, orderBy: { lastMessageAt: "desc" }, select: { id: true, facts: true } })
      : null;
  // A reply to mail of a connected mailbox: its owner (or, for the shared one, the contact's owner with a calendar, else who connected it).
  const receiving = inbound ? await receivingMailboxOf(tx, inbound) : null;
  const mailboxAuthors = receiving
    ? replyAuthorCandidates(receiving, {
        userId: contact.ownerId,
        hasCalendar: receiving.userId === null && !!contact.ownerId && !!(await calendarConnectionOf(tx, contact.ownerId)),
      })
    : [];
  const author = await resolveAuthor(tx, settings, [...(spec.authorCandidates ?? []), ...mailboxAuthors, lead?.ownerId, contact.ownerId, deal?.ownerId], inbound?.mailbox);
  const reachable =
    !!contact.email &&
    !contact.doNotContact &&
    !(await suppressionCheck.isSuppressed(tx, { tenantId, email: contact.email, domain: contact.email.split("@")[1] ?? null }));
  // A form submission answered (inbound webhook): the person's words stand where an e-mail's would.
  const form = spec.kind === "REPLY" && contact.id ? (spec.formSubmission ?? null) : null;
  const input: DraftWriterInput = {
    kind: spec.kind === "REPLY" && (inbound || form) ? "REPLY" : "OUTREACH",
    sender: { name: author?.name ?? settings.sending.senderName ?? tenant.name, title: null, company: tenant.name },
    contact: { firstName: contact.firstName, lastName: contact.lastName, title: contact.title },
    company: { name: contact.company?.name ?? null, industry: contact.company?.industry ?? null },
    product: { name: settings.agents.productName ?? tenant.name, valueProposition: settings.agents.valueProposition },
    inbound: inbound
      ? { subject: inbound.subject, text: stripQuoted(inbound.text).slice(0, 8_000), intent: inbound.intent }
      : form
        ? { subject: form.formName ? `Form: ${form.formName}` : "Website form submission", text: (form.message ?? "(The form had no message.)").slice(0, 8_000), intent: null }
        : null,
    thread: (thread?.facts ?? null) as ThreadFacts | null,
    recommendation: spec.recommendation ?? null,
    voice: author?.voice ?? null,
    offers: [],
  };
  return {
    input,
    author,
    sendFrom: receiving ? replySendsFrom(receiving, author?.userId ?? null) : null,
    reachable,
    knownNames: [contact.firstName, contact.lastName, author?.name ?? null],
    links: {
      recipient: contact.id ? { contactId: contact.id } : { email: contact.email ?? "", firstName: contact.firstName, lastName: contact.lastName },
      leadId: lead?.id ?? null,
      dealId: deal?.id ?? null,
      threadId: thread?.id ?? threadId,
      inboundMessageId: inbound?.id ?? null,
    },
    inboundSubject: inbound?.subject ?? null,
    companyId: contact.company?.id ?? null,
    followUp:
      spec.kind === "OUTREACH" &&
      !!contact.id &&
      (!!thread || (await tx.draft.count({ where: { contactId: contact.id, status: "SENT" }, take: 1 })) > 0),
  };
}

/** Slots for meeting requests and follow-ups, and the assets to cite, when the author has connected Google. */
async function calendarAndAssets(services: Services, tenantId: string, facts: WriterFacts, spec: DraftSpec): Promise<{ slots: OfferedSlots | null; assets: RankedAsset[] }> {
  const contactId = "contactId" in facts.links.recipient ? facts.links.recipient.contactId : null;
  const userId = facts.author?.userId ?? null;
  if (!spec.calendarAndAssets || !contactId || !userId) return { slots: null, assets: [] };
  // A website form is a request to be contacted (issue 11's lead follow-up flow): offer times like a meeting request.
  const meeting = (facts.input.kind === "REPLY" && (facts.input.inbound?.intent === "MEETING_REQUEST" || !!spec.formSubmission)) || facts.followUp;
  const [slots, assets] = await Promise.all([
    meeting ? slotsForDraft(services, tenantId, userId, contactId) : Promise.resolve(null),
    assetsForDraft(services, tenantId, userId, { contactId, threadId: facts.links.threadId }),
  ]);
  return { slots, assets };
}

/** Reads the facts and writes the text (one AI call). Persists nothing. */
export async function composeDraft(
  services: Services,
  ai: AiContext,
  spec: DraftSpec,
  /** Where the AI result goes (an agent run notes its fallback); default: just the proposal. */
  use: <T>(result: AiResult<T>) => T = (result) => result.proposal,
): Promise<ComposedDraft | null> {
  const facts = await withTenant(services.db.prisma, { tenantId: ai.tenantId }, (tx) => readWriterFacts(tx, ai.tenantId, spec));
  if (!facts) return null;
  const aids = facts.reachable ? await calendarAndAssets(services, ai.tenantId, facts, spec) : { slots: null, assets: [] };
  // Long memory: what earlier messages, notes, calls and sent mail say about this contact or company
  // (the message answered and its thread are in the input already).
  const memoryContactId = "contactId" in facts.links.recipient ? facts.links.recipient.contactId : null;
  const memories = facts.reachable
    ? await memoriesForContext(services, ai, {
        query: memoryQuery(facts.input),
        contactId: memoryContactId,
        companyId: facts.companyId,
        excludeSourceIds: [facts.links.inboundMessageId, facts.links.threadId].filter((id): id is string => !!id),
      })
    : [];
  const input: DraftWriterInput = {
    ...facts.input,
    memories: memories.map((m) => ({ source: m.source, date: m.occurredAt, title: m.title, excerpt: m.excerpt })),
    meetingSlots: aids.slots ? { timeZone: aids.slots.timeZone, labels: aids.slots.slots.map((s) => s.label) } : null,
    assets: aids.assets.map((a) => ({ title: a.name, url: a.url })),
  };
  const written = use(await services.ai.writeDraft({ ...ai, knownNames: [...(ai.knownNames ?? []), ...facts.knownNames] }, input));
  const subject = facts.input.kind === "REPLY" && facts.inboundSubject !== null && !/^\s*re\s*:/i.test(written.subject) ? replySubject(facts.inboundSubject) : written.subject;
  return {
    subject,
    bodyText: written.body,
    factsUsed: written.factsUsed,
    author: facts.author,
    sendFrom: facts.sendFrom,
    reachable: facts.reachable,
    ...facts.links,
    offeredSlots: aids.slots,
    citedAssets: citedIn(written.body, aids.assets),
    memoriesUsed: memories,
  };
}

/** What to look for in long memory: the message answered, else the brief, else the company and product. */
function memoryQuery(input: DraftWriterInput): string {
  if (input.inbound) return `${input.inbound.subject} ${input.inbound.text}`.slice(0, 1_000);
  if (input.recommendation) return `${input.recommendation.title} ${input.recommendation.rationale}`;
  return [input.company.name, input.product.name, input.contact.title].filter(Boolean).join(" ");
}

/** The offered assets whose link the text really contains. */
export function citedIn(bodyText: string, assets: readonly { fileId: string; name: string; url: string }[]): CitedAsset[] {
  return assets.filter((a) => bodyText.includes(a.url)).map((a) => ({ fileId: a.fileId, name: a.name, url: a.url }));
}

export interface DraftWriterJobInput extends Omit<DraftSpec, "recommendation" | "authorCandidates"> {
  recommendationId?: string | null;
  /** A sequence branch (a meeting request or an objection ended a cadence): what the reply must do, when no recommendation says it. */
  sequenceBranch?: SequenceBranch | null;
  /** Start the recommender once the draft exists. */
  then?: { recommend?: boolean } | null;
}

/** The draft writer agent. */
export async function runDraftWriter(services: Services, run: AgentRunContext): Promise<Record<string, unknown>> {
  const input = run.input as unknown as DraftWriterJobInput;
  const recommendation = input.recommendationId
    ? await withTenant(services.db.prisma, { tenantId: run.tenantId }, (tx) => tx.recommendation.findUnique({ where: { id: input.recommendationId! }, select: { title: true, rationale: true } }))
    : input.sequenceBranch
      ? branchBrief(input.sequenceBranch)
      : null;
  const composed = await composeDraft(services, run.ai, { ...input, recommendation, calendarAndAssets: true }, (r) => run.use(r));
  if (!composed) throw new AgentSkip("the contact no longer exists");
  if (!composed.reachable) throw new AgentSkip("the contact may not be e-mailed (suppressed, do-not-contact or no address)");
  const outcome = await runUnitOfWork(services, run.actor, async (uow) => {
    // A retried run whose first attempt created the draft: the same draft, no second one.
    const existing = await uow.tx.draft.findFirst({ where: { origin: "AGENT", originRef: run.jobId }, select: { id: true, status: true } });
    if (existing) return ok({ draftId: existing.id, status: existing.status, enqueued: [] as string[] });
    const created = await createDraftInUnitOfWork(services, uow, {
      recipient: { contactId: input.contactId! },
      subject: composed.subject,
      bodyText: composed.bodyText,
      leadId: composed.leadId,
      dealId: composed.dealId,
      category: "ONE_TO_ONE",
      origin: "AGENT",
      originRef: run.jobId,
      threadId: composed.threadId,
      inboundMessageId: composed.inboundMessageId,
      onBehalfOfUserId: composed.author?.userId ?? null,
      mailbox: composed.sendFrom,
    }, { offeredSlots: composed.offeredSlots as unknown as Prisma.InputJsonValue | null, citedAssets: composed.citedAssets, memoriesUsed: composed.memoriesUsed });
    if (!created.ok) return fail(...created.errors);
    const draft = await uow.tx.draft.findUniqueOrThrow({ where: { id: created.value.draftId }, select: { id: true, status: true } });
    const enqueued: string[] = [];
    if (input.then?.recommend && composed.leadId) {
      enqueued.push((await run.enqueue(uow, { agent: "recommender", input: { leadId: composed.leadId }, leadId: composed.leadId })).runId);
    }
    return ok({ draftId: draft.id, status: draft.status, enqueued });
  });
  if (!outcome.ok) throw new PermanentAgentError(`The draft could not be created: ${outcome.errors.map((e) => `${e.code}: ${e.message}`).join(" ")}`);
  return {
    draftId: outcome.value.draftId,
    status: outcome.value.status,
    kind: input.kind,
    authorUserId: composed.author?.userId ?? null,
    voiceSamples: composed.author?.voice?.sampleSize ?? 0,
    factsUsed: composed.factsUsed,
    offeredSlots: composed.offeredSlots?.slots.length ?? null,
    citedAssets: composed.citedAssets.map((a) => a.fileId),
    memoriesUsed: composed.memoriesUsed.map((m) => m.id),
    enqueuedRunIds: outcome.value.enqueued,
  };
}
