// Providers from configuration: the local one always, the OpenAI-compatible
// one when OPENAI_API_KEY is set.
import type { Config } from "../../config/index.js";
import type { AiProvider } from "../provider.js";
import { LocalProvider } from "./local.js";
import { OpenAiProvider, pricePerMillion } from "./openai.js";

export interface Providers {
  local: AiProvider;
  external: AiProvider | null;
  /** USD per million tokens of a model. */
  price(model: string): { input: number; output: number };
}

export function providersFromConfig(config: Config): Providers {
  const external = config.OPENAI_API_KEY
    ? new OpenAiProvider({
        apiKey: config.OPENAI_API_KEY,
        baseURL: config.OPENAI_BASE_URL,
        model: config.OPENAI_MODEL,
        embeddingModel: config.OPENAI_EMBEDDING_MODEL,
        timeoutMs: config.OPENAI_TIMEOUT_MS,
        maxRetries: config.OPENAI_MAX_RETRIES,
        maxRetryDelayMs: config.OPENAI_MAX_RETRY_DELAY_MS,
        jsonMode: config.OPENAI_JSON_MODE,
      })
    : null;
  const override = { input: config.OPENAI_PRICE_INPUT_PER_MTOK, output: config.OPENAI_PRICE_OUTPUT_PER_MTOK };
  return { local: new LocalProvider(), external, price: (model) => pricePerMillion(model, override) };
}
