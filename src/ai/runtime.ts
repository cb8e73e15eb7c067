// The agent-facing AI API. Each function takes the tenant context and an
// input, picks the provider (provider-choice.ts: tenant preference, budget,
// compliance mode), redacts personal data when an external call requires it,
// validates the answer, checks it against domain rules (domain/ai-policy.ts),
// records the invocation (invocation.ts), and returns a proposal — never an
// action. Callers (use cases, jobs) decide what to do with it through the
// normal permission-checked paths.
import type { Config } from "../config/index.js";
import { withTenant, type Database } from "../data/database.js";
import {
  allowedRecommendationTools,
  budgetPeriodStart,
  filterRecommendations,
  leadAssessmentAdjustment,
  type FallbackReason,
  type ToolContext,
  type ToolPolicy,
} from "../domain/tenant/ai-policy.js";
import { classifyByRules, relayedBounceDetails, type AutomationSignals, type BounceDetails, type InboundEmail, type RuleVerdict } from "../domain/inbound/inbound-email.js";
import type { Role } from "../domain/access/permission.js";
import { readTenantSettings, type AiSettings } from "../domain/tenant/tenant.js";
import { learnVoiceProfile, stripQuoted, type SentEmail, type VoiceProfile } from "../domain/draft/voice.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { returnDate } from "./dates.js";
import { emailFromFields, parseRawEmail } from "./email.js";
import { createInvocationRecorder, databaseInvocationStore, type InvocationRecord, type InvocationStore } from "./invocation.js";
import { createPiiRedactor } from "./pii.js";
import { draftWriterPrompt, type DraftWriterInput, type DraftWriterOutput } from "./prompts/draft-writer.js";
import { inboundAnalysisPrompt, type InboundAction, type InboundIntent } from "./prompts/inbound-analysis.js";
import { nextBestActionPrompt, type RecommendedAction, type SalesFacts } from "./prompts/next-best-action.js";
import { promptKey, type PromptDefinition } from "./prompts/prompt.js";
import { qualificationAssistPrompt, type QualificationAssistInput } from "./prompts/qualification-assist.js";
import { requestDetectionPrompt, type RequestDetectionOutput } from "./prompts/request-detection.js";
import { threadReaderPrompt, type ThreadFacts, type ThreadReaderRequest } from "./prompts/thread-reader.js";
import { createProviderChooser } from "./provider-choice.js";
import { providersFromConfig, type Providers } from "./providers/index.js";

export {
  databaseInvocationStore,
  memoryInvocationStore,
  type InvocationRecord,
  type InvocationRow,
  type InvocationStore,
} from "./invocation.js";

export interface AiServices {
  config: Config;
  db: Database;
  metrics: Metrics;
  logger: Logger;
}

export interface AiContext {
  tenantId: string;
  /** Who is asking, recorded on every invocation ("inbound", "draft-writer", "user:…"). */
  agent: string;
  /** The tenant's AI settings; read from the tenant when omitted. */
  settings?: AiSettings;
  /** Names of the people involved, redacted before an external call in compliance mode. */
  knownNames?: Array<string | null | undefined>;
  /** The AgentRun the call belongs to: recorded on the invocation. */
  agentRunId?: string | null;
}

export interface AiResult<T> {
  proposal: T;
  /** Every provider call made for this result (an external failure, then the local fallback, is two). */
  invocations: InvocationRecord[];
  /** Set when the local provider answered instead of the tenant's external one. */
  fallbackReason: FallbackReason | null;
}

export interface InboundAnalysis {
  /** rules: decided by headers/structure (certain); model: by the provider. */
  source: "rules" | "model";
  /** Which certain rule decided (complaint report, bounce, unsubscribe notice, automatic reply); null for a model's answer. */
  ruleKind: RuleVerdict["kind"] | null;
  intent: InboundIntent;
  relevance: number;
  confidence: number;
  action: InboundAction;
  reasons: string[];
  suggestedReply: string | null;
  returnDate: string | null;
  referral: { name: string | null; email: string | null } | null;
  /** Addresses to suppress now. */
  suppress: string[];
  /** Automated mail is never answered. */
  neverReply: boolean;
  automation: AutomationSignals;
  bounce: BounceDetails | null;
  feedbackType: string | null;
  sender: { address: string | null; name: string | null };
  subject: string;
  sentAt: string | null;
}

/** A parsed message and what the certain rules say about it (analysis null: human mail, for the model). */
export interface InboundClassification {
  email: InboundEmail;
  automation: AutomationSignals;
  analysis: InboundAnalysis | null;
}

export type InboundMessageInput =
  | { raw: string | Buffer }
  | { from: string; fromName?: string | null; to?: string[]; subject?: string; text: string; sentAt?: string | null; headers?: Record<string, string> };

export interface RecommendationInput {
  facts: SalesFacts | Record<string, unknown>;
  /** Role of the person the suggestions are for: they accept them with their own rights. */
  role: Role;
  contact?: ToolContext["contact"];
  deal?: ToolContext["deal"];
  maxActions?: number;
}

export interface Recommendations {
  actions: RecommendedAction[];
  policy: ToolPolicy;
  /** Suggestions the model made that the policy or the facts refused. */
  rejected: Array<{ tool: string; title: string; reason: string }>;
}

export interface LeadAssessment {
  adjustment: number;
  reason: string;
  signals: string[];
  /** The model's own number before the tenant's bound was applied. */
  proposedAdjustment: number;
}

const PLACEHOLDER = /\[(?:[A-Z][A-Za-z ]*|[A-Z_]+_\d+)\]|\{\{?\s*[A-Za-z_.]+\s*\}\}?|<(?:NAME|COMPANY|FIRST_?NAME|DATE)>|\bTODO\b|\bundefined\b|\bnull\b|\bNaN\b/;

export interface AiRuntime {
  readonly providers: Providers;
  analyseInbound(ctx: AiContext, message: InboundMessageInput): Promise<AiResult<InboundAnalysis>>;
  /** The rules path alone: parses and applies the certain rules, calls no provider, records nothing. */
  inboundRules(message: InboundMessageInput): Promise<InboundClassification>;
  detectRequest(ctx: AiContext, input: { text: string }): Promise<AiResult<RequestDetectionOutput>>;
  readThread(ctx: AiContext, input: ThreadReaderRequest): Promise<AiResult<ThreadFacts>>;
  learnVoice(ctx: AiContext, input: { emails: SentEmail[] }): Promise<AiResult<VoiceProfile>>;
  writeDraft(ctx: AiContext, input: DraftWriterInput): Promise<AiResult<DraftWriterOutput>>;
  recommendActions(ctx: AiContext, input: RecommendationInput): Promise<AiResult<Recommendations>>;
  assessLead(ctx: AiContext, input: QualificationAssistInput & { disqualified?: boolean }): Promise<AiResult<LeadAssessment>>;
  embed(ctx: AiContext, texts: string[]): Promise<AiResult<number[][]>>;
  /** External tokens and cost used by the tenant this calendar month (UTC). */
  monthlyUsage(tenantId: string, now?: Date): Promise<{ tokens: number; costUsd: number; periodStart: Date }>;
}

export function createAiRuntime(
  services: AiServices,
  options: { providers?: Providers; store?: InvocationStore; now?: () => Date } = {},
): AiRuntime {
  const providers = options.providers ?? providersFromConfig(services.config);
  const store = options.store ?? databaseInvocationStore(services.db);
  const now = options.now ?? (() => new Date());
  const recorder = createInvocationRecorder({ store, metrics: services.metrics, price: providers.price });
  const chooser = createProviderChooser({ providers, monthlyUsage: (tenantId) => monthlyUsage(tenantId) });

  async function settingsOf(ctx: AiContext): Promise<AiSettings> {
    if (ctx.settings) return ctx.settings;
    const tenant = await withTenant(services.db.prisma, { tenantId: ctx.tenantId }, (tx) =>
      tx.tenant.findUnique({ where: { id: ctx.tenantId }, select: { settings: true } }),
    );
    return readTenantSettings(tenant?.settings).ai;
  }

  async function monthlyUsage(tenantId: string, at = now()) {
    const periodStart = budgetPeriodStart(at);
    return { ...(await store.monthlyUsage(tenantId, periodStart)), periodStart };
  }

  /** Chooses the provider and runs one prompt, falling back to local on refusal or failure. */
  async function run<I, O>(
    ctx: AiContext,
    prompt: PromptDefinition<I, O>,
    rawInput: I,
    check: (output: O) => string | null = () => null,
  ): Promise<AiResult<O>> {
    const input = prompt.input.parse(rawInput);
    const settings = await settingsOf(ctx);
    const generic = prompt as unknown as PromptDefinition<unknown, O>;
    const invocations: InvocationRecord[] = [];
    const choice = await chooser.forGeneration(ctx.tenantId, settings, () => prompt.instructions + prompt.render(input));
    let fallbackReason = choice.fallbackReason;
    if (choice.provider.external) {
      const filter = choice.redact ? createPiiRedactor(ctx.knownNames ?? []) : null;
      const outcome = await recorder.generate(ctx, choice.provider, generic, input, { filter, fallbackReason: null, check });
      invocations.push(outcome.record);
      if ("output" in outcome) return { proposal: outcome.output, invocations, fallbackReason: null };
      services.logger.warn({ tenantId: ctx.tenantId, prompt: promptKey(prompt), kind: outcome.error.kind }, "external AI call failed; using the local provider");
      fallbackReason = outcome.error.kind === "INVALID_OUTPUT" ? "INVALID_OUTPUT" : "PROVIDER_ERROR";
    }
    const outcome = await recorder.generate(ctx, providers.local, generic, input, { filter: null, fallbackReason, check });
    invocations.push(outcome.record);
    if ("error" in outcome) throw outcome.error;
    return { proposal: outcome.output, invocations, fallbackReason };
  }

  /** Parses the message and applies the certain rules (no provider): their verdict, or null for human mail. */
  async function classifyInbound(message: InboundMessageInput): Promise<InboundClassification & { humanText: string }> {
    const email: InboundEmail = "raw" in message ? await parseRawEmail(message.raw) : emailFromFields(message);
    const humanText = stripQuoted(email.text);
    const { verdict, automation } = classifyByRules(email, humanText);
    if (!verdict) return { email, humanText, automation, analysis: null };
    return {
      email,
      humanText,
      automation,
      analysis: {
        automation,
        sender: email.from,
        subject: email.subject,
        sentAt: email.date,
        source: "rules",
        ruleKind: verdict.kind,
        intent: verdict.intent,
        relevance: verdict.intent === "OUT_OF_OFFICE" ? 0.3 : 0.05,
        confidence: 1,
        action: verdict.action,
        reasons: verdict.reasons,
        suggestedReply: null,
        returnDate: verdict.intent === "OUT_OF_OFFICE" ? returnDate(email, humanText) : null,
        referral: null,
        suppress: verdict.suppress,
        neverReply: true,
        bounce: verdict.bounce,
        feedbackType: verdict.feedbackType,
      },
    };
  }

  async function analyseInbound(ctx: AiContext, message: InboundMessageInput): Promise<AiResult<InboundAnalysis>> {
    const { email, humanText, automation, analysis } = await classifyInbound(message);
    if (analysis) return { proposal: analysis, invocations: [], fallbackReason: null };
    const common = { automation, sender: email.from, subject: email.subject, sentAt: email.date };
    const result = await run(
      { ...ctx, knownNames: [...(ctx.knownNames ?? []), email.from.name] },
      inboundAnalysisPrompt,
      { from: email.from.address ?? "", senderName: email.from.name, subject: email.subject, sentAt: email.date, text: humanText.slice(0, 20_000) },
      (o) => (o.suggestedReply && PLACEHOLDER.test(o.suggestedReply) ? "the suggested reply contains a placeholder" : null),
    );
    const o = result.proposal;
    // Domain rules constrain the model: an unsubscribe always suppresses the sender, and a reply is only drafted
    // when the model says so. A bounce the model read was relayed (the rules know the direct ones): its sender is
    // the relay, so the failed recipients come from its content, and only a hard bounce's are suppressed — the
    // orchestration keeps those we really sent to.
    const bounce = o.intent === "BOUNCE" ? relayedBounceDetails(email) : null;
    const suppress = o.intent === "UNSUBSCRIBE" ? [email.from.address].filter((a): a is string => !!a) : bounce?.hard ? bounce.recipients : [];
    const action: InboundAction = o.intent === "UNSUBSCRIBE" || o.intent === "BOUNCE" ? "SUPPRESS" : o.action === "SUPPRESS" ? "ARCHIVE" : o.action;
    return {
      ...result,
      proposal: {
        ...common,
        source: "model",
        ruleKind: null,
        intent: o.intent,
        relevance: o.relevance,
        confidence: o.confidence,
        action,
        reasons: o.reasons,
        // A draft is proposed for replies to answer; a "no" may carry a polite close that a person can choose to send.
        suggestedReply: action === "DRAFT_REPLY" || (o.intent === "NOT_INTERESTED" && action !== "ESCALATE") ? o.suggestedReply : null,
        returnDate: o.intent === "OUT_OF_OFFICE" ? (o.returnDate ?? returnDate(email, humanText)) : null,
        referral: o.intent === "REFERRAL" ? o.referral : null,
        suppress,
        neverReply: false,
        bounce,
        feedbackType: null,
      },
    };
  }

  async function recommendActions(ctx: AiContext, input: RecommendationInput): Promise<AiResult<Recommendations>> {
    const settings = await settingsOf(ctx);
    const policy = allowedRecommendationTools({ role: input.role, settings, contact: input.contact, deal: input.deal });
    const promptInput = { facts: input.facts as SalesFacts, allowedTools: policy.allowed, maxActions: input.maxActions ?? 3 };
    const result = policy.allowed.length
      ? await run({ ...ctx, settings }, nextBestActionPrompt, promptInput)
      : { proposal: { actions: [] }, invocations: [], fallbackReason: null };
    const facts = nextBestActionPrompt.input.parse(promptInput).facts;
    const { actions, rejected } = filterRecommendations(result.proposal.actions, { policy, now: facts.now, deal: facts.deal, maxActions: promptInput.maxActions });
    return { ...result, proposal: { actions, policy, rejected } };
  }

  async function assessLead(ctx: AiContext, input: QualificationAssistInput & { disqualified?: boolean }): Promise<AiResult<LeadAssessment>> {
    const settings = await settingsOf(ctx);
    const { disqualified, ...promptInput } = input;
    const result = await run({ ...ctx, settings }, qualificationAssistPrompt, promptInput);
    const { adjustment, reason } = leadAssessmentAdjustment(result.proposal, { disqualified, settings });
    return { ...result, proposal: { adjustment, reason, signals: result.proposal.signals, proposedAdjustment: result.proposal.adjustment } };
  }

  async function embed(ctx: AiContext, texts: string[]): Promise<AiResult<number[][]>> {
    const settings = await settingsOf(ctx);
    const invocations: InvocationRecord[] = [];
    const choice = await chooser.forEmbedding(ctx.tenantId, settings, texts);
    let fallbackReason = choice.fallbackReason;
    if (choice.provider.external) {
      const outcome = await recorder.embed(ctx, choice.provider, texts, null);
      invocations.push(outcome.record);
      if ("output" in outcome) return { proposal: outcome.output, invocations, fallbackReason: null };
      fallbackReason = "PROVIDER_ERROR";
    }
    const outcome = await recorder.embed(ctx, providers.local, texts, fallbackReason);
    invocations.push(outcome.record);
    if ("error" in outcome) throw outcome.error;
    return { proposal: outcome.output, invocations, fallbackReason };
  }

  return {
    providers,
    analyseInbound,
    inboundRules: async (message) => {
      const { humanText: _text, ...classification } = await classifyInbound(message);
      return classification;
    },
    detectRequest: (ctx, input) => run(ctx, requestDetectionPrompt, input),
    readThread: (ctx, input) => run(ctx, threadReaderPrompt, threadReaderPrompt.input.parse(input)),
    // Pure code, no provider: nothing to record.
    learnVoice: async (_ctx, input) => ({ proposal: learnVoiceProfile(input.emails), invocations: [], fallbackReason: null }),
    writeDraft: (ctx, input) =>
      run({ ...ctx, knownNames: [...(ctx.knownNames ?? []), input.contact.firstName, input.contact.lastName, input.sender.name] }, draftWriterPrompt, input, (o) =>
        PLACEHOLDER.test(o.body) || PLACEHOLDER.test(o.subject) ? "the draft contains a placeholder or an unfilled value" : null,
      ),
    recommendActions,
    assessLead,
    embed,
    monthlyUsage,
  };
}
