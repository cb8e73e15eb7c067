// The provider chooser alone: which provider a call goes to and why, reading
// the month's use only when a budget could refuse the call, and sizing the
// call from the rendered prompt (generation) or the texts (embeddings). No call
// is made to any provider here; the OpenAI-compatible one is never reached.
import { describe, expect, it } from "vitest";
import { createProviderChooser } from "../../src/ai/provider-choice.js";
import { estimateTokens, LocalProvider } from "../../src/ai/providers/local.js";
import { OpenAiProvider } from "../../src/ai/providers/openai.js";
import { MAX_OUTPUT_TOKENS } from "../../src/ai/invocation.js";
import { aiSettingsSchema } from "../../src/domain/tenant/tenant.js";

const settings = (patch: Record<string, unknown> = {}) => aiSettingsSchema.parse(patch);
const local = new LocalProvider();
const external = new OpenAiProvider({
  apiKey: "sk-test",
  baseURL: "http://127.0.0.1:9/v1",
  model: "gpt-test",
  embeddingModel: "embed-test",
  timeoutMs: 1000,
  maxRetries: 0,
  maxRetryDelayMs: 0,
  jsonMode: "json_schema",
});
const PRICES: Record<string, { input: number; output: number }> = { "gpt-test": { input: 1, output: 4 }, "embed-test": { input: 0.5, output: 0 } };

/** A chooser over the given providers and this month's use; counts how often the use was read. */
function chooserWith(ext: typeof external | null, used = { tokens: 0, costUsd: 0 }) {
  const reads: string[] = [];
  const chooser = createProviderChooser({
    providers: { local, external: ext, price: (model) => PRICES[model]! },
    monthlyUsage: async (tenantId) => {
      reads.push(tenantId);
      return used;
    },
  });
  return { chooser, reads };
}

describe("forGeneration", () => {
  it("without an external provider: local, NOT_CONFIGURED only when the tenant asked for openai, and the prompt is never rendered", async () => {
    const { chooser, reads } = chooserWith(null);
    let rendered = 0;
    const text = () => {
      rendered++;
      return "x";
    };
    expect(await chooser.forGeneration("t1", settings(), text)).toEqual({ provider: local, redact: false, fallbackReason: null });
    expect(await chooser.forGeneration("t1", settings({ provider: "openai", monthlyTokenBudget: 10 }), text)).toEqual({ provider: local, redact: false, fallbackReason: "NOT_CONFIGURED" });
    expect(rendered).toBe(0);
    expect(reads).toEqual([]);
  });

  it("external when allowed; redacted under HIPAA; local when forbidden or preferred", async () => {
    const { chooser } = chooserWith(external);
    expect(await chooser.forGeneration("t1", settings(), () => "hi")).toEqual({ provider: external, redact: false, fallbackReason: null });
    expect(await chooser.forGeneration("t1", settings({ complianceMode: "hipaa" }), () => "hi")).toEqual({ provider: external, redact: true, fallbackReason: null });
    expect(await chooser.forGeneration("t1", settings({ externalProviders: "forbidden" }), () => "hi")).toEqual({ provider: local, redact: false, fallbackReason: "COMPLIANCE_FORBIDS_EXTERNAL" });
    expect(await chooser.forGeneration("t1", settings({ provider: "local" }), () => "hi")).toEqual({ provider: local, redact: false, fallbackReason: null });
  });

  it("reads the month's use only when a budget applies", async () => {
    const { chooser, reads } = chooserWith(external);
    await chooser.forGeneration("t1", settings(), () => "hi");
    await chooser.forGeneration("t2", settings({ provider: "local", monthlyTokenBudget: 5 }), () => "hi");
    expect(reads).toEqual([]);
    await chooser.forGeneration("t3", settings({ monthlyCostBudgetUsd: 5 }), () => "hi");
    expect(reads).toEqual(["t3"]);
  });

  it("counts the largest answer in the estimate: a budget just below it refuses, just above it allows", async () => {
    const { chooser } = chooserWith(external);
    const tokens = estimateTokens("hello there") + MAX_OUTPUT_TOKENS;
    expect((await chooser.forGeneration("t1", settings({ monthlyTokenBudget: tokens - 1 }), () => "hello there")).fallbackReason).toBe("TOKEN_BUDGET_EXCEEDED");
    expect((await chooser.forGeneration("t1", settings({ monthlyTokenBudget: tokens }), () => "hello there")).provider).toBe(external);
  });

  it("prices the estimate at the dearer rate, on top of this month's cost", async () => {
    const tokens = estimateTokens("hello there") + MAX_OUTPUT_TOKENS;
    const cost = (tokens * 4) / 1_000_000;
    expect((await chooserWith(external, { tokens: 0, costUsd: 1 }).chooser.forGeneration("t1", settings({ monthlyCostBudgetUsd: 1 + cost * 0.99 }), () => "hello there")).fallbackReason).toBe(
      "COST_BUDGET_EXCEEDED",
    );
    expect((await chooserWith(external, { tokens: 0, costUsd: 1 }).chooser.forGeneration("t1", settings({ monthlyCostBudgetUsd: 1 + cost * 1.01 }), () => "hello there")).provider).toBe(external);
  });
});

describe("forEmbedding", () => {
  it("external when allowed, never redacted: local under redaction or HIPAA", async () => {
    const { chooser } = chooserWith(external);
    expect(await chooser.forEmbedding("t1", settings(), ["a"])).toEqual({ provider: external, redact: false, fallbackReason: null });
    expect(await chooser.forEmbedding("t1", settings({ externalProviders: "redacted" }), ["a"])).toEqual({ provider: local, redact: false, fallbackReason: "COMPLIANCE_FORBIDS_EXTERNAL" });
    expect(await chooser.forEmbedding("t1", settings({ complianceMode: "hipaa" }), ["a"])).toEqual({ provider: local, redact: false, fallbackReason: "COMPLIANCE_FORBIDS_EXTERNAL" });
  });

  it("sizes the call by the texts alone, at the embedding model's input price", async () => {
    const texts = ["first text", "second one"];
    const tokens = estimateTokens(texts.join("\n"));
    const { chooser } = chooserWith(external);
    expect((await chooser.forEmbedding("t1", settings({ monthlyTokenBudget: tokens }), texts)).provider).toBe(external);
    expect((await chooser.forEmbedding("t1", settings({ monthlyTokenBudget: tokens - 1 }), texts)).fallbackReason).toBe("TOKEN_BUDGET_EXCEEDED");
    const cost = (tokens * 0.5) / 1_000_000;
    expect((await chooser.forEmbedding("t1", settings({ monthlyCostBudgetUsd: cost * 0.99 }), texts)).fallbackReason).toBe("COST_BUDGET_EXCEEDED");
  });
});
