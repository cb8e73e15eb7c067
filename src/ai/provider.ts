// One interface for structured generation and embeddings, whatever answers:
// the local provider (deterministic, offline) or an OpenAI-compatible API.
// `generateStructured` renders a prompt, asks the provider, parses and
// validates the answer with the prompt's zod schema, retries an invalid
// answer once with the validation errors, and otherwise fails with
// INVALID_OUTPUT — every outcome carries the token usage spent on it.
import type { PromptDefinition } from "./prompts/prompt.js";
import { outputJsonSchema } from "./prompts/prompt.js";

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface CompletionRequest {
  prompt: PromptDefinition;
  /** The validated input (the local provider works from it). */
  input: unknown;
  /** The rendered conversation (external providers send it). */
  messages: ChatMessage[];
  jsonSchema: Record<string, unknown>;
  maxOutputTokens: number;
  signal?: AbortSignal;
}

export interface CompletionResponse {
  text: string;
  usage: TokenUsage;
  model: string;
}

export interface EmbeddingResponse {
  vectors: number[][];
  usage: TokenUsage;
  model: string;
}

export interface AiProvider {
  /** "local" or "openai". */
  readonly name: string;
  /** True when calls leave the process (and cost money): budgets and compliance apply. */
  readonly external: boolean;
  readonly model: string;
  readonly embeddingModel: string;
  complete(request: CompletionRequest): Promise<CompletionResponse>;
  embed(texts: string[], signal?: AbortSignal): Promise<EmbeddingResponse>;
}

export type AiErrorKind = "TIMEOUT" | "RATE_LIMITED" | "TRANSIENT" | "PERMANENT" | "INVALID_OUTPUT";

export class AiError extends Error {
  constructor(
    readonly kind: AiErrorKind,
    message: string,
    readonly details: { status?: number; usage?: TokenUsage; attempts?: number; cause?: unknown } = {},
  ) {
    super(message);
    this.name = "AiError";
  }

  /** Worth trying again later (by a job retry); permanent and invalid-output errors are not. */
  get transient(): boolean {
    return this.kind === "TIMEOUT" || this.kind === "RATE_LIMITED" || this.kind === "TRANSIENT";
  }
}

export interface GenerationResult<O> {
  output: O;
  usage: TokenUsage;
  model: string;
  attempts: number;
}

/** Reversible transformation applied to what leaves for an external provider (PII redaction). */
export interface OutboundFilter {
  apply(text: string): string;
  /** Puts the originals back into the model's answer. */
  restore<T>(value: T): T;
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
}

/** Models sometimes wrap JSON in prose or a code fence; take the outermost object. */
export function extractJson(text: string): unknown {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(trimmed)?.[1];
    const candidate = fenced ?? trimmed.slice(trimmed.indexOf("{"), trimmed.lastIndexOf("}") + 1);
    return JSON.parse(candidate);
  }
}

function describeIssues(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

export interface GenerateOptions {
  filter?: OutboundFilter | null;
  maxOutputTokens?: number;
  signal?: AbortSignal;
}

/** Renders the prompt, asks the provider, validates the answer (one repair attempt). */
export async function generateStructured<I, O>(
  provider: AiProvider,
  prompt: PromptDefinition<I, O>,
  rawInput: I,
  options: GenerateOptions = {},
): Promise<GenerationResult<O>> {
  const input = prompt.input.parse(rawInput);
  const filter = options.filter ?? null;
  const outbound = (text: string) => (filter ? filter.apply(text) : text);
  const messages: ChatMessage[] = [
    { role: "system", content: prompt.instructions },
    { role: "user", content: outbound(prompt.render(input)) },
  ];
  const jsonSchema = outputJsonSchema(prompt as PromptDefinition);
  let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  let model = provider.model;
  let problem = "";
  for (let attempt = 1; attempt <= 2; attempt++) {
    const response = await provider.complete({
      prompt: prompt as PromptDefinition,
      input,
      messages,
      jsonSchema,
      maxOutputTokens: options.maxOutputTokens ?? 1500,
      signal: options.signal,
    });
    usage = addUsage(usage, response.usage);
    model = response.model;
    let parsed: unknown;
    try {
      parsed = extractJson(response.text);
    } catch {
      problem = "the answer was not valid JSON";
    }
    if (parsed !== undefined) {
      const restored = filter ? filter.restore(parsed) : parsed;
      const result = prompt.output.safeParse(restored);
      if (result.success) return { output: result.data, usage, model, attempts: attempt };
      problem = describeIssues(result.error);
    }
    messages.push(
      { role: "assistant", content: response.text.slice(0, 8000) },
      { role: "user", content: `Your answer does not match the required JSON schema (${problem}). Answer again with only the corrected JSON object.` },
    );
  }
  throw new AiError("INVALID_OUTPUT", `${prompt.id}@${prompt.version}: invalid output after a retry: ${problem}`, { usage, attempts: 2 });
}
