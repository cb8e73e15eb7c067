// The local provider's outputs for the fixed regression cases; shared by
// `npm run eval` and test/ai/regressions.test.ts.
import { QUALIFICATION_CASES, RECOMMENDATION_CASES } from "./data/regression-cases.js";
import type { AiRuntime } from "../src/ai/runtime.js";
import { aiSettingsSchema } from "../src/domain/tenant/tenant.js";

export const REGRESSIONS_FILE = "bench/snapshots/local-regressions.json";

export async function localRegressions(ai: AiRuntime, tenantId: string): Promise<Record<string, unknown>> {
  const actual: Record<string, unknown> = {};
  for (const c of RECOMMENDATION_CASES) {
    const settings = aiSettingsSchema.parse({ provider: "local", ...(c.name.startsWith("HIPAA") ? { complianceMode: "hipaa" } : {}) });
    const r = await ai.recommendActions({ tenantId, agent: "eval", settings }, c.input);
    actual[`recommend: ${c.name}`] = { actions: r.proposal.actions, excluded: r.proposal.policy.excluded };
  }
  for (const c of QUALIFICATION_CASES) {
    const r = await ai.assessLead({ tenantId, agent: "eval", settings: aiSettingsSchema.parse({ provider: "local" }) }, c.input);
    actual[`qualify: ${c.name}`] = r.proposal;
  }
  return actual;
}
