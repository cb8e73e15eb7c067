// Invocation recording: every provider call the runtime makes — a structured
// generation or an embedding, successful or not — is written to the
// invocation store (the AiInvocation table, or memory for evaluation runs)
// with its tokens, estimated cost, latency, outcome and fallback reason, and
// counted in the metrics.
import { createHash } from "node:crypto";
import { externalAiUsageSince } from "../data/ai-usage.js";
import { withTenant, type Database } from "../data/database.js";
import type { FallbackReason } from "../domain/tenant/ai-policy.js";
import type { Metrics } from "../observability/metrics.js";
import type { createPiiRedactor } from "./pii.js";
import { promptKey, type PromptDefinition } from "./prompts/prompt.js";
import { AiError, generateStructured, type AiProvider, type TokenUsage } from "./provider.js";

/** The largest answer asked for; also what a budget check assumes a call may cost. */
export const MAX_OUTPUT_TOKENS = 1500;

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
      return withTenant(db.prisma, { tenantId }, (tx) => externalAiUsageSince(tx, tenantId, since));
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

/** Who made a call: the tenant, the asking agent, and its run. */
export interface InvocationCaller {
  tenantId: string;
  agent: string;
  agentRunId?: string | null;
}

export type InvocationEntry = Omit<InvocationRecord, "id" | "costUsd"> & { operation: string; inputHash: string; attempts: number; errorMessage: string | null; provider: string };

/** An output, or why it was refused (an error or a failed domain check); the call is recorded either way. */
export type RecordedOutcome<O> = { output: O; record: InvocationRecord } | { error: AiError; record: InvocationRecord };

export interface InvocationRecorder {
  /** Records one call (cost estimated from the provider's prices) and counts it in the metrics. */
  record(caller: InvocationCaller, entry: InvocationEntry, provider: AiProvider): Promise<InvocationRecord>;
  /** One generation on one provider, recorded whatever happens. */
  generate<O>(
    caller: InvocationCaller,
    provider: AiProvider,
    prompt: PromptDefinition<unknown, O>,
    input: unknown,
    options: { filter: ReturnType<typeof createPiiRedactor> | null; fallbackReason: FallbackReason | null; check: (output: O) => string | null },
  ): Promise<RecordedOutcome<O>>;
  /** One embedding call on one provider, recorded whatever happens. */
  embed(caller: InvocationCaller, provider: AiProvider, texts: string[], fallbackReason: FallbackReason | null): Promise<RecordedOutcome<number[][]>>;
}

/** What identifies the input of a call (same prompt and input, same hash). */
export function inputHash(key: string, input: unknown): string {
  return createHash("sha256").update(key).update("\n").update(JSON.stringify(input)).digest("hex");
}

export function createInvocationRecorder(deps: {
  store: InvocationStore;
  metrics: Metrics;
  /** USD per million tokens of a model. */
  price(model: string): { input: number; output: number };
}): InvocationRecorder {
  const { store, metrics: m } = deps;

  function cost(provider: AiProvider, model: string, usage: TokenUsage): number {
    if (!provider.external) return 0;
    const price = deps.price(model);
    return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
  }

  async function record(caller: InvocationCaller, entry: InvocationEntry, provider: AiProvider): Promise<InvocationRecord> {
    const costUsd = cost(provider, entry.model, entry);
    const row = await store.record(caller.tenantId, { ...entry, agent: caller.agent, costUsd, agentRunId: caller.agentRunId ?? null });
    const prompt = entry.promptId ?? entry.operation;
    m.aiInvocations.inc({ provider: entry.provider, agent: caller.agent, prompt, outcome: entry.outcome });
    m.aiTokens.inc({ provider: entry.provider, direction: "input" }, entry.inputTokens);
    m.aiTokens.inc({ provider: entry.provider, direction: "output" }, entry.outputTokens);
    if (costUsd > 0) m.aiCostUsd.inc({ provider: entry.provider }, costUsd);
    m.aiLatency.observe({ provider: entry.provider, prompt }, entry.latencyMs / 1000);
    if (entry.fallbackReason) m.aiFallbacks.inc({ reason: entry.fallbackReason });
    return { id: row.id, ...entry, costUsd };
  }

  async function generate<O>(
    caller: InvocationCaller,
    provider: AiProvider,
    prompt: PromptDefinition<unknown, O>,
    input: unknown,
    options: { filter: ReturnType<typeof createPiiRedactor> | null; fallbackReason: FallbackReason | null; check: (output: O) => string | null },
  ): Promise<RecordedOutcome<O>> {
    const started = performance.now();
    const base = {
      operation: "generate",
      provider: provider.name,
      external: provider.external,
      promptId: prompt.id,
      promptVersion: prompt.version,
      inputHash: inputHash(promptKey(prompt), input),
      fallbackReason: options.fallbackReason,
      redacted: !!options.filter,
    };
    try {
      const result = await generateStructured(provider, prompt, input, { filter: options.filter, maxOutputTokens: MAX_OUTPUT_TOKENS });
      const problem = options.check(result.output);
      const recorded = await record(
        caller,
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
      return problem
        ? { error: new AiError("INVALID_OUTPUT", `${promptKey(prompt)}: output refused: ${problem}`), record: recorded }
        : { output: result.output, record: recorded };
    } catch (error) {
      const aiError = error instanceof AiError ? error : new AiError("PERMANENT", error instanceof Error ? error.message : String(error));
      const usage = aiError.details.usage ?? { inputTokens: 0, outputTokens: 0 };
      const recorded = await record(
        caller,
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
      return { error: aiError, record: recorded };
    }
  }

  async function embed(caller: InvocationCaller, provider: AiProvider, texts: string[], fallbackReason: FallbackReason | null): Promise<RecordedOutcome<number[][]>> {
    const started = performance.now();
    const entry = {
      operation: "embed",
      provider: provider.name,
      external: provider.external,
      promptId: null,
      promptVersion: null,
      inputHash: inputHash("embed", texts),
      outputTokens: 0,
      attempts: 1,
      fallbackReason,
      redacted: false,
    };
    try {
      const r = await provider.embed(texts);
      const latencyMs = Math.round(performance.now() - started);
      const recorded = await record(caller, { ...entry, model: r.model, inputTokens: r.usage.inputTokens, latencyMs, outcome: "SUCCESS", errorKind: null, errorMessage: null }, provider);
      return { output: r.vectors, record: recorded };
    } catch (error) {
      const e = error instanceof AiError ? error : new AiError("PERMANENT", String(error));
      const latencyMs = Math.round(performance.now() - started);
      const recorded = await record(caller, { ...entry, model: provider.embeddingModel, inputTokens: 0, latencyMs, outcome: "ERROR", errorKind: e.kind, errorMessage: e.message }, provider);
      return { error: e, record: recorded };
    }
  }

  return { record, generate, embed };
}
