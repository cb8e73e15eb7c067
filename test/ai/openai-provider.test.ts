// The OpenAI-compatible provider through the real SDK against a local server
// speaking the wire format: structured output, invalid JSON then a repaired
// answer, 429 with Retry-After, timeouts, 5xx, permanent errors, embeddings.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { requestDetectionPrompt } from "../../src/ai/prompts/request-detection.js";
import { AiError, generateStructured } from "../../src/ai/provider.js";
import { OpenAiProvider, pricePerMillion, retryAfterMs, type OpenAiProviderOptions } from "../../src/ai/providers/openai.js";
import { startFakeOpenAi, type FakeOpenAi } from "../helpers/fake-openai.js";

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(() => fake?.close());
beforeEach(() => {
  fake.requests.length = 0;
});

function provider(overrides: Partial<OpenAiProviderOptions> = {}) {
  return new OpenAiProvider({
    apiKey: "test-key",
    baseURL: fake.baseURL,
    model: "gpt-4o-mini",
    embeddingModel: "text-embedding-3-small",
    timeoutMs: 2000,
    maxRetries: 2,
    maxRetryDelayMs: 5000,
    jsonMode: "json_schema",
    ...overrides,
  });
}

const valid = JSON.stringify({ isRequest: true, confidence: 0.9, requests: ["Can you send the contract?"] });

describe("OpenAI-compatible provider", () => {
  it("sends the prompt with a JSON schema response format and returns the validated output with token usage", async () => {
    fake.script({ kind: "content", content: valid, promptTokens: 120, completionTokens: 30 });
    const result = await generateStructured(provider(), requestDetectionPrompt, { text: "Can you send the contract?" });
    expect(result.output).toEqual({ isRequest: true, confidence: 0.9, requests: ["Can you send the contract?"] });
    expect(result.usage).toEqual({ inputTokens: 120, outputTokens: 30 });
    expect(result.attempts).toBe(1);
    const body = fake.requests[0]!.body;
    expect(fake.requests[0]!.path).toBe("/v1/chat/completions");
    expect(body.model).toBe("gpt-4o-mini");
    expect(body.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "request-detection", strict: false } });
    expect((body.response_format as { json_schema: { schema: { required: string[] } } }).json_schema.schema.required).toEqual(
      expect.arrayContaining(["isRequest", "confidence", "requests"]),
    );
    expect(body.messages![0]).toMatchObject({ role: "system" });
    expect(body.messages![1]!.content).toContain("Can you send the contract?");
  });

  it("uses json_object mode for servers without schema support", async () => {
    fake.script({ kind: "content", content: valid });
    await generateStructured(provider({ jsonMode: "json_object" }), requestDetectionPrompt, { text: "x" });
    expect(fake.requests[0]!.body.response_format).toEqual({ type: "json_object" });
  });

  it("retries once with the validation errors when the answer is not valid JSON, and sums the usage", async () => {
    fake.script({ kind: "content", content: "Sure! Here you go: {not json", promptTokens: 10, completionTokens: 5 }, { kind: "content", content: valid, promptTokens: 20, completionTokens: 6 });
    const result = await generateStructured(provider(), requestDetectionPrompt, { text: "Can you send the contract?" });
    expect(result.attempts).toBe(2);
    expect(result.usage).toEqual({ inputTokens: 30, outputTokens: 11 });
    const repair = fake.requests[1]!.body.messages!;
    expect(repair).toHaveLength(4);
    expect(repair[2]).toMatchObject({ role: "assistant", content: "Sure! Here you go: {not json" });
    expect(repair[3]!.content).toMatch(/not valid JSON/);
  });

  it("fails with INVALID_OUTPUT after the retry when the schema is still not met", async () => {
    fake.script({ kind: "content", content: JSON.stringify({ isRequest: "yes" }) }, { kind: "content", content: JSON.stringify({ isRequest: true, confidence: 7, requests: [] }) });
    const error = await generateStructured(provider(), requestDetectionPrompt, { text: "x" }).catch((e) => e);
    expect(error).toBeInstanceOf(AiError);
    expect(error.kind).toBe("INVALID_OUTPUT");
    expect(error.details.attempts).toBe(2);
    expect(error.details.usage).toEqual({ inputTokens: 200, outputTokens: 100 });
    expect(fake.requests[1]!.body.messages![3]!.content).toMatch(/isRequest|confidence/);
    expect(fake.requests).toHaveLength(2);
  });

  it("honours Retry-After on 429 and then succeeds", async () => {
    const retries: Array<{ delayMs: number; kind: string }> = [];
    fake.script({ kind: "status", status: 429, headers: { "retry-after": "1" }, body: { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } } }, { kind: "content", content: valid });
    const started = Date.now();
    const result = await generateStructured(provider({ onRetry: (r) => retries.push(r) }), requestDetectionPrompt, { text: "x" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.output.isRequest).toBe(true);
    expect(retries).toEqual([{ attempt: 1, delayMs: 1000, kind: "RATE_LIMITED" }]);
    expect(fake.requests).toHaveLength(2);
  });

  it("fails fast as RATE_LIMITED when Retry-After is longer than it will wait", async () => {
    fake.script({ kind: "status", status: 429, headers: { "retry-after": "120" } });
    const error = await generateStructured(provider({ maxRetryDelayMs: 1000 }), requestDetectionPrompt, { text: "x" }).catch((e) => e);
    expect(error.kind).toBe("RATE_LIMITED");
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/wait 120 s/);
    expect(fake.requests).toHaveLength(1);
  });

  it("treats a quota 429 as permanent (retrying cannot help)", async () => {
    fake.script({ kind: "status", status: 429, body: { error: { message: "You exceeded your current quota", type: "insufficient_quota", code: "insufficient_quota" } } });
    const error = await generateStructured(provider(), requestDetectionPrompt, { text: "x" }).catch((e) => e);
    expect(error.kind).toBe("PERMANENT");
    expect(fake.requests).toHaveLength(1);
  });

  it("times out a server that does not answer, retries, and reports TIMEOUT", async () => {
    fake.script({ kind: "hang", ms: 3000 }, { kind: "hang", ms: 3000 });
    const started = Date.now();
    const error = await generateStructured(provider({ timeoutMs: 300, maxRetries: 1 }), requestDetectionPrompt, { text: "x" }).catch((e) => e);
    expect(error.kind).toBe("TIMEOUT");
    expect(error.transient).toBe(true);
    expect(fake.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("retries 5xx with backoff and succeeds", async () => {
    fake.script({ kind: "status", status: 503 }, { kind: "status", status: 500 }, { kind: "content", content: valid });
    const result = await generateStructured(provider(), requestDetectionPrompt, { text: "x" });
    expect(result.output.isRequest).toBe(true);
    expect(fake.requests).toHaveLength(3);
  });

  it("gives up on persistent 5xx as TRANSIENT after its retries", async () => {
    fake.script({ kind: "status", status: 502 }, { kind: "status", status: 502 });
    const error = await generateStructured(provider({ maxRetries: 1 }), requestDetectionPrompt, { text: "x" }).catch((e) => e);
    expect(error.kind).toBe("TRANSIENT");
    expect(error.details.status).toBe(502);
    expect(fake.requests).toHaveLength(2);
  });

  it("does not retry permanent client errors (401, 400)", async () => {
    const bad = new OpenAiProvider({ apiKey: "wrong", baseURL: fake.baseURL, model: "m", embeddingModel: "e", timeoutMs: 1000, maxRetries: 3, maxRetryDelayMs: 1000, jsonMode: "json_schema" });
    const error = await generateStructured(bad, requestDetectionPrompt, { text: "x" }).catch((e) => e);
    expect(error.kind).toBe("PERMANENT");
    expect(error.details.status).toBe(401);
    fake.script({ kind: "status", status: 400, body: { error: { message: "Invalid schema", type: "invalid_request_error" } } });
    const error400 = await generateStructured(provider(), requestDetectionPrompt, { text: "x" }).catch((e) => e);
    expect(error400.kind).toBe("PERMANENT");
    expect(fake.requests.filter((r) => r.headers.authorization === "Bearer test-key")).toHaveLength(1);
  });

  it("reports a connection failure as TRANSIENT", async () => {
    const unreachable = provider({ baseURL: "http://127.0.0.1:9/v1", maxRetries: 0 });
    const error = await generateStructured(unreachable, requestDetectionPrompt, { text: "x" }).catch((e) => e);
    expect(error.kind).toBe("TRANSIENT");
  });

  it("gets embeddings in the SDK's default base64 encoding, in input order, with usage", async () => {
    const result = await provider().embed(["first text", "second text"]);
    expect(fake.requests[0]!.path).toBe("/v1/embeddings");
    expect(fake.requests[0]!.body.encoding_format).toBe("base64");
    expect(result.vectors).toHaveLength(2);
    expect(result.vectors[0]).toHaveLength(8);
    const norm = Math.sqrt(result.vectors[0]!.reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 4);
    expect(result.vectors[0]).not.toEqual(result.vectors[1]);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.model).toBe("text-embedding-3-small");
  });
});

describe("retry-after parsing and prices", () => {
  it.each([
    [{ "retry-after": "3" }, 3000],
    [{ "retry-after": "0.5" }, 500],
    [{ "retry-after-ms": "250" }, 250],
    [{ "retry-after": new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString() }, 10_000],
    [{}, null],
  ])("%j → %s ms", (headers, expected) => {
    expect(retryAfterMs(new Headers(headers), Date.UTC(2030, 0, 1))).toBe(expected);
  });

  it("prices known models, lets configuration override, and prices unknown models at 0", () => {
    expect(pricePerMillion("gpt-4o-mini-2024-07-18")).toEqual({ input: 0.15, output: 0.6 });
    expect(pricePerMillion("llama3.1:8b")).toEqual({ input: 0, output: 0 });
    expect(pricePerMillion("llama3.1:8b", { input: 0.1, output: 0.2 })).toEqual({ input: 0.1, output: 0.2 });
  });
});
