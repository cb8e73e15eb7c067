// The agent-facing AI API. Each function takes the tenant context and an
// input, picks the provider (tenant preference, budget, compliance mode),
// redacts personal data when an external call requires it, validates the
// answer, checks it against domain rules, records the invocation, and returns
// a proposal — never an action. Callers (use cases, jobs) decide what to do
// with it through the normal permission-checked paths.
import { createHash } from "node:crypto";
import type { Config } from "../config/index.js";
import { withTenant, type Database } from "../data/database.js";
import {
  allowedRecommendationTools,
  boundScoreAdjustment,
  budgetPeriodStart,
  chooseProvider,
  type FallbackReason,
  type ToolContext,
  type ToolPolicy,
} from "../domain/ai-policy.js";
import { classifyByRules, type AutomationSignals, type BounceDetails, type InboundEmail, type RuleVerdict } from "../domain/inbound-email.js";
import type { Role } from "../domain/permission.js";
import { readTenantSettings, type AiSettings } from "../domain/tenant.js";
import { learnVoiceProfile, stripQuoted, type SentEmail, type VoiceProfile } from "../domain/voice.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { returnDate } from "./dates.js";
import { emailFromFields, parseRawEmail } from "./email.js";
import { createPiiRedactor } from "./pii.js";
import { draftWriterPrompt, type DraftWriterInput, type DraftWriterOutput } from "./prompts/draft-writer.js";
import { inboundAnalysisPrompt, type InboundAction, type InboundIntent } from "./prompts/inbound-analysis.js";
import { nextBestActionPrompt, type RecommendedAction, type SalesFacts } from "./prompts/next-best-action.js";
import { promptKey, type PromptDefinition } from "./prompts/prompt.js";
import { qualificationAssistPrompt, type QualificationAssistInput } from "./prompts/qualification-assist.js";
import { requestDetectionPrompt, type RequestDetectionOutput } from "./prompts/request-detection.js";
import { threadReaderPrompt, type ThreadFacts, type ThreadReaderRequest } from "./prompts/thread-reader.js";
import { AiError, generateStructured, type AiProvider, type TokenUsage } from "./provider.js";
import { estimateTokens } from "./providers/local.js";
import { providersFromConfig, type Providers } from "./providers/index.js";

export interface AiServices {
  config: Config;
  db: Database;
  metrics: Metrics;
  logger: Logger;
}

/** Where invocations are recorded and the month's external use is summed. */
export interface InvocationStore {
  record(tenantId: string, row: InvocationRow): Promise<{ id: string }>;
  monthlyUsage(tenantId: string, since: Date): Promise<{ tokens: number; costUsd: number }>;
}

export interface InvocationRow {
  agent: string;
  operation: string;
  provider: string;
  model: string;
  external: boolean;
  promptId: string | null;
  promptVersion: number | null;
  inputHash: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  attempts: number;
  outcome: "SUCCESS" | "INVALID_OUTPUT" | "ERROR";
  errorKind: string | null;
  errorMessage: string | null;
  fallbackReason: string | null;
  redacted: boolean;
  /** The agent run that asked, when an agent did. */
  agentRunId?: string | null;
}

/** The AiInvocation table, written in its own short transaction (the call happened even if the caller rolls back). */
export function databaseInvocationStore(db: Database): InvocationStore {
  return {
    async record(tenantId, row) {
      return withTenant(db.prisma, { tenantId }, (tx) =>
        tx.aiInvocation.create({
          data: {
            tenantId,
            ...row,
            totalTokens: row.inputTokens + row.outputTokens,
            costUsd: row.costUsd.toFixed(8),
            errorMessage: row.errorMessage?.slice(0, 1000) ?? null,
          },
          select: { id: true },
        }),
      );
    },
    async monthlyUsage(tenantId, since) {
      const sum = await withTenant(db.prisma, { tenantId }, (tx) =>
        tx.aiInvocation.aggregate({ where: { tenantId, external: true, createdAt: { gte: since } }, _sum: { totalTokens: true, costUsd: true } }),
      );
      return { tokens: sum._sum.totalTokens ?? 0, costUsd: Number(sum._sum.costUsd ?? 0) };
    },
  };
}

/** Invocations kept in memory (evaluation runs, tools without a database). */
export function memoryInvocationStore(): InvocationStore & { rows: Array<InvocationRow & { tenantId: string; createdAt: Date }> } {
  const rows: Array<InvocationRow & { tenantId: string; createdAt: Date }> = [];
  return {
    rows,
    async record(tenantId, row) {
      rows.push({ ...row, tenantId, createdAt: new Date() });
      return { id: String(rows.length) };
    },
    async monthlyUsage(tenantId, since) {
      const mine = rows.filter((r) => r.tenantId === tenantId && r.external && r.createdAt >= since);
      return { tokens: mine.reduce((s, r) => s + r.inputTokens + r.outputTokens, 0), costUsd: mine.reduce((s, r) => s + r.costUsd, 0) };
    },
  };
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

export interface InvocationRecord {
  id: string;
  provider: string;
  model: string;
  external: boolean;
  promptId: string | null;
  promptVersion: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  outcome: "SUCCESS" | "INVALID_OUTPUT" | "ERROR";
  errorKind: string | null;
  fallbackReason: FallbackReason | null;
  redacted: boolean;
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

/** The largest answer asked for; also what a budget check assumes a call may cost. */
const MAX_OUTPUT_TOKENS = 1500;

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

  function cost(provider: AiProvider, model: string, usage: TokenUsage): number {
    if (!provider.external) return 0;
    const price = providers.price(model);
    return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
  }

  async function recordInvocation(
    ctx: AiContext,
    entry: Omit<InvocationRecord, "id" | "costUsd"> & { operation: string; inputHash: string; attempts: number; errorMessage: string | null; provider: string },
    provider: AiProvider,
  ): Promise<InvocationRecord> {
    const costUsd = cost(provider, entry.model, entry);
    const row = await store.record(ctx.tenantId, { ...entry, agent: ctx.agent, costUsd, agentRunId: ctx.agentRunId ?? null });
    const m = services.metrics;
    const prompt = entry.promptId ?? entry.operation;
    m.aiInvocations.inc({ provider: entry.provider, agent: ctx.agent, prompt, outcome: entry.outcome });
    m.aiTokens.inc({ provider: entry.provider, direction: "input" }, entry.inputTokens);
    m.aiTokens.inc({ provider: entry.provider, direction: "output" }, entry.outputTokens);
    if (costUsd > 0) m.aiCostUsd.inc({ provider: entry.provider }, costUsd);
    m.aiLatency.observe({ provider: entry.provider, prompt }, entry.latencyMs / 1000);
    if (entry.fallbackReason) m.aiFallbacks.inc({ reason: entry.fallbackReason });
    return { id: row.id, ...entry, costUsd };
  }

  function inputHash(key: string, input: unknown): string {
    return createHash("sha256").update(key).update("\n").update(JSON.stringify(input)).digest("hex");
  }

  /**
   * One generation on one provider, recorded whatever happens. Returns the
   * output, or why it was refused (an error or a failed domain check).
   */
  async function attempt<O>(
    ctx: AiContext,
    provider: AiProvider,
    prompt: PromptDefinition<unknown, O>,
    input: unknown,
    hash: string,
    options: { filter: ReturnType<typeof createPiiRedactor> | null; fallbackReason: FallbackReason | null; check: (output: O) => string | null },
  ): Promise<{ output: O; record: InvocationRecord } | { error: AiError; record: InvocationRecord }> {
    const started = performance.now();
    const base = {
      operation: "generate",
      provider: provider.name,
      external: provider.external,
      promptId: prompt.id,
      promptVersion: prompt.version,
      inputHash: hash,
      fallbackReason: options.fallbackReason,
      redacted: !!options.filter,
    };
    try {
      const result = await generateStructured(provider, prompt, input, { filter: options.filter, maxOutputTokens: MAX_OUTPUT_TOKENS });
      const problem = options.check(result.output);
      const record = await recordInvocation(
        ctx,
        {
          ...base,
          model: result.model,
          inputTokens: result.usage.inputTokens,
          outputTokens: result.usage.outputTokens,
          latencyMs: Math.round(performance.now() - started),
          attempts: result.attempts,
          outcome: problem ? "INVALID_OUTPUT" : "SUCCESS",
          errorKind: problem ? "INVALID_OUTPUT" : null,
          errorMessage: problem,
        },
        provider,
      );
      return problem ? { error: new AiError("INVALID_OUTPUT", `${promptKey(prompt)}: output refused: ${problem}`), record } : { output: result.output, record };
    } catch (error) {
      const aiError = error instanceof AiError ? error : new AiError("PERMANENT", error instanceof Error ? error.message : String(error));
      const usage = aiError.details.usage ?? { inputTokens: 0, outputTokens: 0 };
      const record = await recordInvocation(
        ctx,
        {
          ...base,
          model: provider.model,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          latencyMs: Math.round(performance.now() - started),
          attempts: aiError.details.attempts ?? 1,
          outcome: aiError.kind === "INVALID_OUTPUT" ? "INVALID_OUTPUT" : "ERROR",
          errorKind: aiError.kind,
          errorMessage: aiError.message,
        },
        provider,
      );
      return { error: aiError, record };
    }
  }

  /** Chooses the provider and runs one prompt, falling back to local on refusal or failure. */
  async function run<I, O>(
    ctx: AiContext,
    prompt: PromptDefinition<I, O>,
    rawInput: I,
    check: (output: O) => string | null = () => null,
  ): Promise<AiResult<O>> {
    const input = prompt.input.parse(rawInput);
    const key = promptKey(prompt);
    const hash = inputHash(key, input);
    const settings = await settingsOf(ctx);
    const external = providers.external;
    const generic = prompt as unknown as PromptDefinition<unknown, O>;
    const invocations: InvocationRecord[] = [];
    let fallbackReason: FallbackReason | null = settings.provider === "openai" && !external ? "NOT_CONFIGURED" : null;
    if (external) {
      const estimate = estimateTokens(prompt.instructions + prompt.render(input)) + MAX_OUTPUT_TOKENS;
      const price = providers.price(external.model);
      const decision = chooseProvider({
        settings,
        externalConfigured: true,
        usage: await usageForBudget(ctx.tenantId, settings),
        estimate: { tokens: estimate, costUsd: (estimate * Math.max(price.input, price.output)) / 1_000_000 },
      });
      fallbackReason = decision.fallbackReason;
      if (decision.provider === "external") {
        const filter = decision.redact ? createPiiRedactor(ctx.knownNames ?? []) : null;
        const outcome = await attempt(ctx, external, generic, input, hash, { filter, fallbackReason: null, check });
        invocations.push(outcome.record);
        if ("output" in outcome) return { proposal: outcome.output, invocations, fallbackReason: null };
        services.logger.warn({ tenantId: ctx.tenantId, prompt: key, kind: outcome.error.kind }, "external AI call failed; using the local provider");
        fallbackReason = outcome.error.kind === "INVALID_OUTPUT" ? "INVALID_OUTPUT" : "PROVIDER_ERROR";
      }
    }
    const outcome = await attempt(ctx, providers.local, generic, input, hash, { filter: null, fallbackReason, check });
    invocations.push(outcome.record);
    if ("error" in outcome) throw outcome.error;
    return { proposal: outcome.output, invocations, fallbackReason };
  }

  /** This month's external use, read only when the tenant has a budget that could refuse the call. */
  async function usageForBudget(tenantId: string, settings: AiSettings): Promise<{ tokens: number; costUsd: number }> {
    const budgeted = settings.provider !== "local" && (settings.monthlyTokenBudget !== null || settings.monthlyCostBudgetUsd !== null);
    return budgeted ? monthlyUsage(tenantId) : { tokens: 0, costUsd: 0 };
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
    // Domain rules constrain the model: an unsubscribe always suppresses the sender, a bounce its address,
    // and a reply is only drafted when the model says so.
    const suppress = o.intent === "UNSUBSCRIBE" || o.intent === "BOUNCE" ? [email.from.address].filter((a): a is string => !!a) : [];
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
        bounce: null,
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
    const at = new Date(facts.now).getTime();
    const rejected: Recommendations["rejected"] = [];
    const actions = result.proposal.actions.filter((a) => {
      const reason = !policy.allowed.includes(a.tool)
        ? (policy.excluded.find((e) => e.tool === a.tool)?.reason ?? "tool not allowed")
        : Number.isNaN(Date.parse(a.expiresAt)) || Date.parse(a.expiresAt) <= at
          ? "already expired"
          : a.tool === "updateDealStage" && (!facts.deal || !facts.deal.stages.includes(String(a.arguments.toStage)) || a.arguments.toStage === facts.deal.stage)
            ? "target stage is not a later stage of this pipeline"
            : null;
      if (reason) rejected.push({ tool: a.tool, title: a.title, reason });
      return !reason;
    });
    return { ...result, proposal: { actions: actions.slice(0, promptInput.maxActions), policy, rejected } };
  }

  async function assessLead(ctx: AiContext, input: QualificationAssistInput & { disqualified?: boolean }): Promise<AiResult<LeadAssessment>> {
    const settings = await settingsOf(ctx);
    const { disqualified, ...promptInput } = input;
    const result = await run({ ...ctx, settings }, qualificationAssistPrompt, promptInput);
    const proposed = result.proposal.adjustment;
    // Disqualification rules win over any adjustment.
    const adjustment = disqualified ? 0 : boundScoreAdjustment(proposed, settings);
    const reason = disqualified ? `Lead is disqualified by rule; the AI adjustment (${proposed}) is not applied.` : result.proposal.reason;
    return { ...result, proposal: { adjustment, reason, signals: result.proposal.signals, proposedAdjustment: proposed } };
  }

  async function embed(ctx: AiContext, texts: string[]): Promise<AiResult<number[][]>> {
    const settings = await settingsOf(ctx);
    const external = providers.external;
    const hash = inputHash("embed", texts);
    const invocations: InvocationRecord[] = [];
    const embedOn = async (provider: AiProvider, fallbackReason: FallbackReason | null) => {
      const started = performance.now();
      const entry = { operation: "embed", provider: provider.name, external: provider.external, promptId: null, promptVersion: null, inputHash: hash, outputTokens: 0, attempts: 1, fallbackReason, redacted: false };
      try {
        const r = await provider.embed(texts);
        const latencyMs = Math.round(performance.now() - started);
        invocations.push(await recordInvocation(ctx, { ...entry, model: r.model, inputTokens: r.usage.inputTokens, latencyMs, outcome: "SUCCESS", errorKind: null, errorMessage: null }, provider));
        return r.vectors;
      } catch (error) {
        const e = error instanceof AiError ? error : new AiError("PERMANENT", String(error));
        const latencyMs = Math.round(performance.now() - started);
        invocations.push(await recordInvocation(ctx, { ...entry, model: provider.embeddingModel, inputTokens: 0, latencyMs, outcome: "ERROR", errorKind: e.kind, errorMessage: e.message }, provider));
        if (!provider.external) throw e;
        return null;
      }
    };
    let fallbackReason: FallbackReason | null = settings.provider === "openai" && !external ? "NOT_CONFIGURED" : null;
    if (external) {
      const estimate = estimateTokens(texts.join("\n"));
      const decision = chooseProvider({
        settings,
        externalConfigured: true,
        usage: await usageForBudget(ctx.tenantId, settings),
        estimate: { tokens: estimate, costUsd: (estimate * providers.price(external.embeddingModel).input) / 1e6 },
      });
      fallbackReason = decision.fallbackReason;
      // Embeddings cannot be redacted and still mean the same thing: redaction mode keeps them local.
      if (decision.provider === "external" && decision.redact) fallbackReason = "COMPLIANCE_FORBIDS_EXTERNAL";
      else if (decision.provider === "external") {
        const vectors = await embedOn(external, null);
        if (vectors) return { proposal: vectors, invocations, fallbackReason: null };
        fallbackReason = "PROVIDER_ERROR";
      }
    }
    const vectors = (await embedOn(providers.local, fallbackReason))!;
    return { proposal: vectors, invocations, fallbackReason };
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
