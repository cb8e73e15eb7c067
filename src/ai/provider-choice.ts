// Provider choice for one call: the local provider, or the configured external
// one when the tenant's preference, compliance mode and monthly budget allow
// it — and why not when they do not. The rules are the pure chooseProvider in
// domain/ai-policy.ts; this adds what they need from outside: which providers
// are configured, this month's external use (read only when a budget could
// refuse the call) and the estimated size and cost of the call.
import { budgetApplies, chooseProvider, type FallbackReason, type MonthlyUsage } from "../domain/tenant/ai-policy.js";
import type { AiSettings } from "../domain/tenant/tenant.js";
import { MAX_OUTPUT_TOKENS } from "./invocation.js";
import type { AiProvider } from "./provider.js";
import { estimateTokens } from "./providers/local.js";
import type { Providers } from "./providers/index.js";

export interface ProviderChoice {
  provider: AiProvider;
  /** Redact personal data before the call (only ever set for an external provider). */
  redact: boolean;
  /** Why the tenant's external provider was not chosen. */
  fallbackReason: FallbackReason | null;
}

export interface ProviderChooser {
  /** For a structured generation; `text` is the rendered prompt (rendered only when an external provider is configured). */
  forGeneration(tenantId: string, settings: AiSettings, text: () => string): Promise<ProviderChoice>;
  /** For embeddings, which cannot be redacted: where compliance requires redaction they stay local. */
  forEmbedding(tenantId: string, settings: AiSettings, texts: string[]): Promise<ProviderChoice>;
}

const NOTHING: MonthlyUsage = { tokens: 0, costUsd: 0 };

export function createProviderChooser(deps: { providers: Providers; monthlyUsage: (tenantId: string) => Promise<MonthlyUsage> }): ProviderChooser {
  const { providers } = deps;

  async function choose(tenantId: string, settings: AiSettings, estimate: (external: AiProvider) => MonthlyUsage, redactable: boolean): Promise<ProviderChoice> {
    const external = providers.external;
    if (!external) {
      const decision = chooseProvider({ settings, externalConfigured: false, usage: NOTHING, estimate: NOTHING });
      return { provider: providers.local, redact: false, fallbackReason: decision.fallbackReason };
    }
    const usage = budgetApplies(settings) ? await deps.monthlyUsage(tenantId) : NOTHING;
    const decision = chooseProvider({ settings, externalConfigured: true, usage, estimate: estimate(external), redactable });
    return decision.provider === "external"
      ? { provider: external, redact: decision.redact, fallbackReason: null }
      : { provider: providers.local, redact: false, fallbackReason: decision.fallbackReason };
  }

  return {
    forGeneration: (tenantId, settings, text) =>
      choose(
        tenantId,
        settings,
        (external) => {
          // A call may answer with up to MAX_OUTPUT_TOKENS, priced at the dearer of the two rates.
          const tokens = estimateTokens(text()) + MAX_OUTPUT_TOKENS;
          const price = providers.price(external.model);
          return { tokens, costUsd: (tokens * Math.max(price.input, price.output)) / 1_000_000 };
        },
        true,
      ),
    forEmbedding: (tenantId, settings, texts) =>
      choose(
        tenantId,
        settings,
        (external) => {
          const tokens = estimateTokens(texts.join("\n"));
          return { tokens, costUsd: (tokens * providers.price(external.embeddingModel).input) / 1e6 };
        },
        false,
      ),
  };
}
