// The local provider: deterministic and offline. Each prompt has a local
// implementation (real text processing in src/ai/local/); the answer goes
// through the same JSON parsing and schema validation as a model's.
import { AiError, type AiProvider, type CompletionRequest, type CompletionResponse, type EmbeddingResponse } from "../provider.js";
import { writeDraftLocally } from "../local/draft.js";
import { localEmbedding, LOCAL_EMBEDDING_DIMENSIONS } from "../local/embedding.js";
import { analyseInboundLocally } from "../local/inbound.js";
import { qualifyLocally } from "../local/qualify.js";
import { recommendLocally } from "../local/recommend.js";
import { readThreadLocally } from "../local/thread.js";
import { detectRequests } from "../request-detector.js";

type Handler = (input: never) => unknown;

const HANDLERS: Record<string, Handler> = {
  "inbound-analysis": analyseInboundLocally as Handler,
  "request-detection": ((input: { text: string }) => detectRequests(input.text)) as Handler,
  "thread-reader": readThreadLocally as Handler,
  "draft-writer": writeDraftLocally as Handler,
  "next-best-action": recommendLocally as Handler,
  "qualification-assist": qualifyLocally as Handler,
};

/** Rough token count (≈ 4 characters a token), so local calls show their size too. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export class LocalProvider implements AiProvider {
  readonly name = "local";
  readonly external = false;
  // v2: the inbound intents come from a trained model (src/ai/models/inbound-intent.json), not cue rules alone.
  readonly model = "local-v2";
  readonly embeddingModel = `local-hash-${LOCAL_EMBEDDING_DIMENSIONS}`;

  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    const handler = HANDLERS[request.prompt.id];
    if (!handler) throw new AiError("PERMANENT", `the local provider has no implementation for prompt ${request.prompt.id}`);
    const text = JSON.stringify(handler(request.input as never));
    return {
      text,
      usage: { inputTokens: estimateTokens(request.messages.map((m) => m.content).join("\n")), outputTokens: estimateTokens(text) },
      model: this.model,
    };
  }

  async embed(texts: string[]): Promise<EmbeddingResponse> {
    return {
      vectors: texts.map(localEmbedding),
      usage: { inputTokens: estimateTokens(texts.join("\n")), outputTokens: 0 },
      model: this.embeddingModel,
    };
  }
}
