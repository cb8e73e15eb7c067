// The tenant's sales pipeline: its stages (key, name, order, default
// probability, kind OPEN/WON/LOST) and the moves between them a deal may make.
// Closed deals stay closed unless someone allowed to reopen them says so.
import { z } from "zod";
import { isCurrencyCode } from "./currency.js";

export const STAGE_KINDS = ["OPEN", "WON", "LOST"] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

export const stageSchema = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "must be lower-case letters, digits or _ (at most 40), starting with a letter"),
    name: z.string().trim().min(1).max(80),
    order: z.number().int().min(0).max(1000),
    probability: z.number().int().min(0).max(100),
    kind: z.enum(STAGE_KINDS),
  })
  .strict();
export type Stage = z.infer<typeof stageSchema>;

export const DEFAULT_STAGES: Stage[] = [
  { key: "qualification", name: "Qualification", order: 10, probability: 10, kind: "OPEN" },
  { key: "discovery", name: "Discovery", order: 20, probability: 25, kind: "OPEN" },
  { key: "proposal", name: "Proposal", order: 30, probability: 50, kind: "OPEN" },
  { key: "negotiation", name: "Negotiation", order: 40, probability: 75, kind: "OPEN" },
  { key: "closed_won", name: "Closed won", order: 100, probability: 100, kind: "WON" },
  { key: "closed_lost", name: "Closed lost", order: 110, probability: 0, kind: "LOST" },
];

export const pipelineSettingsSchema = z
  .object({
    stages: z.array(stageSchema).min(3).max(30).default(() => DEFAULT_STAGES.map((s) => ({ ...s }))),
    /** May a deal go back to an earlier open stage? */
    allowBackwardMoves: z.boolean().default(true),
    /** May a deal jump over open stages (e.g. qualification → proposal)? */
    allowSkippingStages: z.boolean().default(true),
    /** Currencies deals may use; empty means any ISO 4217 code. */
    currencies: z
      .array(z.string().refine(isCurrencyCode, "must be an ISO 4217 currency code such as EUR"))
      .max(50)
      .default([]),
  })
  .strict()
  .superRefine((pipeline, ctx) => {
    const keys = new Set<string>();
    const orders = new Set<number>();
    pipeline.stages.forEach((stage, i) => {
      if (keys.has(stage.key)) ctx.addIssue({ code: "custom", path: ["stages", i, "key"], message: `stage key "${stage.key}" is used twice` });
      if (orders.has(stage.order)) ctx.addIssue({ code: "custom", path: ["stages", i, "order"], message: `order ${stage.order} is used twice` });
      keys.add(stage.key);
      orders.add(stage.order);
      if (stage.kind === "WON" && stage.probability !== 100)
        ctx.addIssue({ code: "custom", path: ["stages", i, "probability"], message: "a won stage has probability 100" });
      if (stage.kind === "LOST" && stage.probability !== 0)
        ctx.addIssue({ code: "custom", path: ["stages", i, "probability"], message: "a lost stage has probability 0" });
    });
    for (const kind of STAGE_KINDS) {
      if (!pipeline.stages.some((s) => s.kind === kind))
        ctx.addIssue({ code: "custom", path: ["stages"], message: `needs at least one ${kind} stage` });
    }
  });
export type PipelineSettings = z.infer<typeof pipelineSettingsSchema>;

export function orderedStages(pipeline: PipelineSettings): Stage[] {
  return [...pipeline.stages].sort((a, b) => a.order - b.order);
}

export function findStage(pipeline: PipelineSettings, key: string): Stage | undefined {
  return pipeline.stages.find((s) => s.key === key);
}

/** The first open stage by order: where a new deal starts unless told otherwise. */
export function firstOpenStage(pipeline: PipelineSettings): Stage {
  return orderedStages(pipeline).find((s) => s.kind === "OPEN")!;
}

export function closingStage(pipeline: PipelineSettings, kind: "WON" | "LOST"): Stage {
  return orderedStages(pipeline).find((s) => s.kind === kind)!;
}

export function isAllowedCurrency(pipeline: PipelineSettings, currency: string): boolean {
  return isCurrencyCode(currency) && (pipeline.currencies.length === 0 || pipeline.currencies.includes(currency));
}
