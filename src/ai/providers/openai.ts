// OpenAI-compatible provider on the official SDK: OpenAI itself, Azure-style
// gateways, Ollama, vLLM — anything speaking /v1/chat/completions and
// /v1/embeddings. Structured output through response_format (json_schema, or
// json_object for servers without schema support). Retries are ours, not the
// SDK's, so a Retry-After longer than we are willing to wait fails fast as
// RATE_LIMITED (the job queue retries later) instead of blocking a worker.
import type OpenAIClass from "openai";
import { lazyRequire } from "../../config/lazy-require.js";
import { AiError, type AiProvider, type CompletionRequest, type CompletionResponse, type EmbeddingResponse } from "../provider.js";

// The SDK is loaded when an OpenAI-compatible provider is made (OPENAI_API_KEY set), not at start-up:
// the local provider never needs it (issue 14, idle memory).
const openAiSdk = lazyRequire<typeof OpenAIClass>("openai");

export interface OpenAiProviderOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  embeddingModel: string;
  timeoutMs: number;
  /** Further attempts after a transient failure (429, 5xx, timeout, connection). */
  maxRetries: number;
  /** Longest Retry-After we wait in-process; longer ones fail as RATE_LIMITED. */
  maxRetryDelayMs: number;
  jsonMode: "json_schema" | "json_object";
  /** Called before each retry (tests and metrics). */
  onRetry?: (info: { attempt: number; delayMs: number; kind: string }) => void;
}

export class OpenAiProvider implements AiProvider {
  readonly name = "openai";
  readonly external = true;
  readonly model: string;
  readonly embeddingModel: string;
  private readonly client: OpenAIClass;

  constructor(private readonly options: OpenAiProviderOptions) {
    this.model = options.model;
    this.embeddingModel = options.embeddingModel;
    const OpenAI = openAiSdk();
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      timeout: options.timeoutMs,
      maxRetries: 0,
    });
  }

  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    const responseFormat =
      this.options.jsonMode === "json_schema"
        ? {
            type: "json_schema" as const,
            json_schema: { name: request.prompt.id.replace(/[^a-zA-Z0-9_-]/g, "_"), schema: request.jsonSchema, strict: false },
          }
        : { type: "json_object" as const };
    const completion = await this.withRetries((signal) =>
      this.client.chat.completions.create(
        {
          model: this.model,
          messages: request.messages,
          response_format: responseFormat,
          temperature: 0,
          max_tokens: request.maxOutputTokens,
        },
        { signal },
      ),
      request.signal,
    );
    const choice = completion.choices[0];
    if (!choice) throw new AiError("PERMANENT", "the provider returned no choices");
    if (choice.message.refusal) throw new AiError("PERMANENT", `the model refused: ${choice.message.refusal.slice(0, 200)}`);
    return {
      text: choice.message.content ?? "",
      usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
      model: completion.model || this.model,
    };
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<EmbeddingResponse> {
    const response = await this.withRetries((s) => this.client.embeddings.create({ model: this.embeddingModel, input: texts }, { signal: s }), signal);
    const vectors = [...response.data].sort((a, b) => a.index - b.index).map((d) => Array.from(d.embedding as unknown as ArrayLike<number>));
    return { vectors, usage: { inputTokens: response.usage?.prompt_tokens ?? 0, outputTokens: 0 }, model: response.model || this.embeddingModel };
  }

  private async withRetries<T>(call: (signal?: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(signal);
      } catch (error) {
        const classified = classifyOpenAiError(error);
        const retriesLeft = this.options.maxRetries - (attempt - 1);
        if (!classified.transient || retriesLeft <= 0 || signal?.aborted) throw classified.error;
        const delayMs = classified.retryAfterMs ?? Math.min(250 * 2 ** (attempt - 1), 4000);
        if (delayMs > this.options.maxRetryDelayMs)
          throw new AiError("RATE_LIMITED", `${classified.error.message} (asked to wait ${Math.round(delayMs / 1000)} s)`, { status: classified.error.details.status });
        this.options.onRetry?.({ attempt, delayMs, kind: classified.error.kind });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}

/** Retry-After (seconds or HTTP date) or retry-after-ms, in milliseconds. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | null {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get("retry-after");
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.max(0, Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function classifyOpenAiError(error: unknown): { error: AiError; transient: boolean; retryAfterMs: number | null } {
  if (error instanceof AiError) return { error, transient: error.transient, retryAfterMs: null };
  const OpenAI = openAiSdk();
  if (error instanceof OpenAI.APIConnectionTimeoutError)
    return { error: new AiError("TIMEOUT", "the provider did not answer in time", { cause: error }), transient: true, retryAfterMs: null };
  if (error instanceof OpenAI.APIUserAbortError) return { error: new AiError("PERMANENT", "the call was cancelled", { cause: error }), transient: false, retryAfterMs: null };
  if (error instanceof OpenAI.APIConnectionError)
    return { error: new AiError("TRANSIENT", `cannot reach the provider: ${error.message}`, { cause: error }), transient: true, retryAfterMs: null };
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? 0;
    const message = `provider answered ${status}: ${String(error.message).slice(0, 300)}`;
    const wait = retryAfterMs(error.headers as Headers | undefined);
    if (status === 429) {
      // Quota exhaustion is also a 429, and retrying will not help.
      const quota = /insufficient_quota|billing/i.test(`${error.code ?? ""} ${error.message}`);
      return { error: new AiError(quota ? "PERMANENT" : "RATE_LIMITED", message, { status, cause: error }), transient: !quota, retryAfterMs: wait };
    }
    if (status === 408 || status === 409 || status >= 500)
      return { error: new AiError("TRANSIENT", message, { status, cause: error }), transient: true, retryAfterMs: wait };
    return { error: new AiError("PERMANENT", message, { status, cause: error }), transient: false, retryAfterMs: null };
  }
  return { error: new AiError("PERMANENT", error instanceof Error ? error.message : String(error), { cause: error }), transient: false, retryAfterMs: null };
}

/** USD per million tokens [input, output]; OPENAI_PRICE_* override it. Unknown models cost 0 (say so in config). */
const PRICES: Array<[RegExp, number, number]> = [
  [/^gpt-4o-mini/, 0.15, 0.6],
  [/^gpt-4o/, 2.5, 10],
  [/^gpt-4\.1-nano/, 0.1, 0.4],
  [/^gpt-4\.1-mini/, 0.4, 1.6],
  [/^gpt-4\.1/, 2, 8],
  [/^gpt-5-nano/, 0.05, 0.4],
  [/^gpt-5-mini/, 0.25, 2],
  [/^gpt-5/, 1.25, 10],
  [/^o4-mini/, 1.1, 4.4],
  [/^text-embedding-3-small/, 0.02, 0],
  [/^text-embedding-3-large/, 0.13, 0],
  [/^text-embedding-ada-002/, 0.1, 0],
];

export function pricePerMillion(model: string, override?: { input?: number; output?: number }): { input: number; output: number } {
  const known = PRICES.find(([pattern]) => pattern.test(model));
  return { input: override?.input ?? known?.[1] ?? 0, output: override?.output ?? known?.[2] ?? 0 };
}
