// The invocation recorder alone, on the in-memory store and real providers:
// every generation and embedding is recorded whatever happens (success, a
// refused output, an unreachable provider), with its cost and metrics.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createInvocationRecorder, inputHash, memoryInvocationStore } from "../../src/ai/invocation.js";
import { requestDetectionPrompt } from "../../src/ai/prompts/request-detection.js";
import { promptKey, type PromptDefinition } from "../../src/ai/prompts/prompt.js";
import { LocalProvider } from "../../src/ai/providers/local.js";
import { OpenAiProvider } from "../../src/ai/providers/openai.js";
import { createMetrics } from "../../src/observability/metrics.js";

const local = new LocalProvider();
/** Nothing listens on port 9: every call fails to connect. */
const unreachable = new OpenAiProvider({
  apiKey: "sk-test",
  baseURL: "http://127.0.0.1:9/v1",
  model: "gpt-test",
  embeddingModel: "embed-test",
  timeoutMs: 2000,
  maxRetries: 0,
  maxRetryDelayMs: 0,
  jsonMode: "json_schema",
});
const caller = { tenantId: "tenant-1", agent: "inbound", agentRunId: "run-1" };
const prompt = requestDetectionPrompt as unknown as PromptDefinition<unknown, { isRequest: boolean }>;
const input = requestDetectionPrompt.input.parse({ text: "Could you send me the pricing sheet?" });

function setup() {
  const store = memoryInvocationStore();
  const metrics = createMetrics();
  const recorder = createInvocationRecorder({ store, metrics, price: () => ({ input: 2, output: 8 }) });
  return { store, metrics, recorder };
}
const counted = async (metric: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> }) => (await metric.get()).values.map((v) => ({ ...v.labels, value: v.value }));

describe("generate", () => {
  it("records a successful local call: prompt, version, input hash, tokens, no cost, the agent run", async () => {
    const { store, metrics, recorder } = setup();
    const outcome = await recorder.generate(caller, local, prompt, input, { filter: null, fallbackReason: "NOT_CONFIGURED", check: () => null });
    expect("output" in outcome && typeof outcome.output.isRequest).toBe("boolean");
    expect(store.rows).toHaveLength(1);
    expect(store.rows[0]).toMatchObject({
      tenantId: "tenant-1",
      agent: "inbound",
      agentRunId: "run-1",
      operation: "generate",
      provider: "local",
      external: false,
      promptId: requestDetectionPrompt.id,
      promptVersion: requestDetectionPrompt.version,
      inputHash: createHash("sha256").update(promptKey(requestDetectionPrompt)).update("\n").update(JSON.stringify(input)).digest("hex"),
      costUsd: 0,
      outcome: "SUCCESS",
      errorKind: null,
      fallbackReason: "NOT_CONFIGURED",
      redacted: false,
    });
    expect(outcome.record).toMatchObject({ id: "1", provider: "local", outcome: "SUCCESS", costUsd: 0 });
    expect(await counted(metrics.aiInvocations)).toEqual([{ provider: "local", agent: "inbound", prompt: requestDetectionPrompt.id, outcome: "SUCCESS", value: 1 }]);
    expect(await counted(metrics.aiFallbacks)).toEqual([{ reason: "NOT_CONFIGURED", value: 1 }]);
  });

  it("an output the domain check refuses is recorded as INVALID_OUTPUT and returned as an error", async () => {
    const { store, recorder } = setup();
    const outcome = await recorder.generate(caller, local, prompt, input, { filter: null, fallbackReason: null, check: () => "not acceptable" });
    expect("error" in outcome && outcome.error.kind).toBe("INVALID_OUTPUT");
    expect("error" in outcome && outcome.error.message).toBe(`${promptKey(requestDetectionPrompt)}: output refused: not acceptable`);
    expect(store.rows[0]).toMatchObject({ outcome: "INVALID_OUTPUT", errorKind: "INVALID_OUTPUT", errorMessage: "not acceptable" });
  });

  it("a provider that cannot be reached is recorded as an error with its model, and returned", async () => {
    const { store, recorder } = setup();
    const outcome = await recorder.generate(caller, unreachable, prompt, input, { filter: null, fallbackReason: null, check: () => null });
    expect("error" in outcome).toBe(true);
    expect(store.rows[0]).toMatchObject({ provider: "openai", external: true, model: "gpt-test", outcome: "ERROR", inputTokens: 0, outputTokens: 0, costUsd: 0 });
    expect(store.rows[0]!.errorKind).toEqual(expect.any(String));
  });
});

describe("embed", () => {
  it("records a local embedding: operation embed, no prompt, the texts' hash", async () => {
    const { store, recorder } = setup();
    const outcome = await recorder.embed(caller, local, ["a", "b"], null);
    expect("output" in outcome && outcome.output).toHaveLength(2);
    expect(store.rows[0]).toMatchObject({ operation: "embed", provider: "local", promptId: null, promptVersion: null, outputTokens: 0, attempts: 1, inputHash: inputHash("embed", ["a", "b"]), outcome: "SUCCESS" });
  });

  it("an unreachable provider: recorded with its embedding model, returned as an error", async () => {
    const { store, recorder } = setup();
    const outcome = await recorder.embed(caller, unreachable, ["a"], null);
    expect("error" in outcome).toBe(true);
    expect(store.rows[0]).toMatchObject({ operation: "embed", model: "embed-test", outcome: "ERROR", inputTokens: 0 });
  });
});

describe("record", () => {
  it("prices external calls per million tokens and counts the cost; local calls cost nothing", async () => {
    const { store, metrics, recorder } = setup();
    const entry = {
      operation: "generate",
      provider: "openai",
      model: "gpt-test",
      external: true,
      promptId: "p",
      promptVersion: 1,
      inputHash: "h",
      inputTokens: 1000,
      outputTokens: 500,
      latencyMs: 1500,
      attempts: 1,
      outcome: "SUCCESS" as const,
      errorKind: null,
      errorMessage: null,
      fallbackReason: null,
      redacted: true,
    };
    const record = await recorder.record({ tenantId: "tenant-1", agent: "a" }, entry, unreachable);
    expect(record.costUsd).toBeCloseTo((1000 * 2 + 500 * 8) / 1_000_000, 12);
    expect(store.rows[0]).toMatchObject({ agentRunId: null, redacted: true });
    expect(await counted(metrics.aiCostUsd)).toEqual([{ provider: "openai", value: record.costUsd }]);
    expect(await counted(metrics.aiTokens)).toEqual([
      { provider: "openai", direction: "input", value: 1000 },
      { provider: "openai", direction: "output", value: 500 },
    ]);
    expect((await recorder.record({ tenantId: "tenant-1", agent: "a" }, { ...entry, provider: "local" }, local)).costUsd).toBe(0);
  });
});
