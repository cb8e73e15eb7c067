// Deals: what a deal's fields may hold, and which stage moves are allowed.
// A move goes between open stages (backwards and skipping only where the
// tenant allows it); closing goes through dealClose (won, or lost with a
// reason); a closed deal moves again only with an explicit reopen by someone
// who may reopen deals.
import { z } from "zod";
import { closingStage, findStage, isAllowedCurrency, orderedStages, type PipelineSettings, type Stage } from "./pipeline.js";
import { userError, type UserError } from "../user-error.js";

export type DealStatus = "OPEN" | "WON" | "LOST";

export const MAX_DEAL_AMOUNT = 9_999_999_999_999_999; // fits DECIMAL(18, 2)

export const dealFieldsSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(200),
  stage: z.string().trim().min(1).max(40).optional(),
  amount: z.number().finite("must be a number").min(0, "must not be negative").max(MAX_DEAL_AMOUNT).optional(),
  currency: z
    .string()
    .trim()
    .transform((c) => c.toUpperCase())
    .optional(),
  expectedCloseDate: z.coerce.date().optional(),
  probability: z.number().int().min(0).max(100).optional(),
});
export type DealFields = z.infer<typeof dealFieldsSchema>;

/** Checks the parts of a deal that depend on the tenant's pipeline (stage exists and is open, currency allowed). */
export function checkDealAgainstPipeline(
  pipeline: PipelineSettings,
  fields: { stage?: string | undefined; currency?: string | undefined },
  path: string[],
): UserError[] {
  const errors: UserError[] = [];
  if (fields.stage !== undefined) {
    const stage = findStage(pipeline, fields.stage);
    if (!stage) errors.push(unknownStage(pipeline, fields.stage, [...path, "stage"]));
    else if (stage.kind !== "OPEN")
      errors.push(userError("INVALID_TRANSITION", `A new deal starts in an open stage; close it with dealClose.`, [...path, "stage"]));
  }
  if (fields.currency !== undefined && !isAllowedCurrency(pipeline, fields.currency)) {
    errors.push(
      userError(
        "VALIDATION_FAILED",
        pipeline.currencies.length
          ? `currency must be one of ${pipeline.currencies.join(", ")}.`
          : `currency "${fields.currency}" is not an ISO 4217 currency code.`,
        [...path, "currency"],
      ),
    );
  }
  return errors;
}

export function unknownStage(pipeline: PipelineSettings, key: string, field: string[]): UserError {
  const keys = orderedStages(pipeline).map((s) => s.key);
  return userError("UNKNOWN_STAGE", `No pipeline stage "${key}". Stages: ${keys.join(", ")}.`, field);
}

export interface StageMoveRequest {
  to: string;
  /** The caller explicitly reopens a closed deal. */
  reopen: boolean;
  /** Whether the caller holds deal:reopen. */
  mayReopen: boolean;
}

export type StageMove = { ok: true; to: Stage; reopened: boolean } | { ok: false; error: UserError };

/** Decides whether a deal in `current` (status, stage) may move to `request.to`. */
export function checkStageMove(
  pipeline: PipelineSettings,
  current: { stage: string; status: DealStatus },
  request: StageMoveRequest,
): StageMove {
  const to = findStage(pipeline, request.to);
  if (!to) return { ok: false, error: unknownStage(pipeline, request.to, ["input", "stage"]) };
  if (to.kind !== "OPEN") {
    return { ok: false, error: userError("INVALID_TRANSITION", `"${to.name}" closes the deal: use dealClose.`, ["input", "stage"]) };
  }
  if (current.status !== "OPEN") {
    if (!request.reopen) {
      return {
        ok: false,
        error: userError("DEAL_CLOSED", `The deal is ${current.status.toLowerCase()}. Reopening it needs reopen: true.`, ["input", "reopen"]),
      };
    }
    if (!request.mayReopen) {
      return { ok: false, error: userError("FORBIDDEN", "Your role may not reopen closed deals.", ["input", "reopen"]) };
    }
    return { ok: true, to, reopened: true };
  }
  if (request.reopen) {
    return { ok: false, error: userError("INVALID_TRANSITION", "Only a closed deal can be reopened.", ["input", "reopen"]) };
  }
  if (to.key === current.stage) {
    return { ok: false, error: userError("INVALID_TRANSITION", `The deal is already in "${to.name}".`, ["input", "stage"]) };
  }
  const from = findStage(pipeline, current.stage);
  // A stage removed from the settings since: any open stage is a way out.
  if (!from || from.kind !== "OPEN") return { ok: true, to, reopened: false };
  if (to.order < from.order && !pipeline.allowBackwardMoves) {
    return {
      ok: false,
      error: userError("INVALID_TRANSITION", `Moving back from "${from.name}" to "${to.name}" is not allowed in this pipeline.`, ["input", "stage"]),
    };
  }
  if (to.order > from.order && !pipeline.allowSkippingStages) {
    const skipped = orderedStages(pipeline).filter((s) => s.kind === "OPEN" && s.order > from.order && s.order < to.order);
    if (skipped.length) {
      return {
        ok: false,
        error: userError(
          "INVALID_TRANSITION",
          `Moving from "${from.name}" to "${to.name}" skips ${skipped.map((s) => `"${s.name}"`).join(", ")}, which this pipeline does not allow.`,
          ["input", "stage"],
        ),
      };
    }
  }
  return { ok: true, to, reopened: false };
}

export type CloseDecision = { ok: true; stage: Stage; status: "WON" | "LOST" } | { ok: false; error: UserError };

/** Closing a deal: won, or lost with a reason; into the given (or first) stage of that kind. */
export function checkClose(
  pipeline: PipelineSettings,
  current: { status: DealStatus },
  request: { outcome: "WON" | "LOST"; reason?: string | null; stage?: string | null },
): CloseDecision {
  if (current.status !== "OPEN") {
    return { ok: false, error: userError("DEAL_CLOSED", `The deal is already ${current.status.toLowerCase()}.`, ["input", "dealId"]) };
  }
  if (request.outcome === "LOST" && !request.reason?.trim()) {
    return { ok: false, error: userError("VALIDATION_FAILED", "A lost deal needs the reason it was lost.", ["input", "reason"]) };
  }
  let stage = closingStage(pipeline, request.outcome);
  if (request.stage) {
    const chosen = findStage(pipeline, request.stage);
    if (!chosen) return { ok: false, error: unknownStage(pipeline, request.stage, ["input", "stage"]) };
    if (chosen.kind !== request.outcome) {
      return {
        ok: false,
        error: userError("INVALID_TRANSITION", `"${chosen.name}" is not a ${request.outcome.toLowerCase()} stage.`, ["input", "stage"]),
      };
    }
    stage = chosen;
  }
  return { ok: true, stage, status: request.outcome };
}
