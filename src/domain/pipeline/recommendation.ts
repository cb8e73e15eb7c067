// Recommendations, pure: their effective status (an open one past its expiry
// is expired, whatever the row says), and the arguments each tool needs when
// a person accepts one — the model's arguments, overridden by the person's,
// validated again here because neither is trusted.
import { z } from "zod";
import type { RecommendationTool } from "../tenant/ai-policy.js";
import { ACTIVITY_TYPES } from "../scoring/settings.js";
import { userError, type UserError } from "../user-error.js";

export const RECOMMENDATION_STATUSES = ["OPEN", "ACCEPTED", "DISMISSED", "EXPIRED"] as const;
export type RecommendationStatus = (typeof RECOMMENDATION_STATUSES)[number];

export function effectiveStatus(status: RecommendationStatus, expiresAt: Date, now: Date): RecommendationStatus {
  return status === "OPEN" && expiresAt.getTime() <= now.getTime() ? "EXPIRED" : status;
}

/** Why a recommendation cannot be acted on now, or null. */
export function decisionRefusal(status: RecommendationStatus, expiresAt: Date, now: Date, field: string[]): UserError | null {
  const effective = effectiveStatus(status, expiresAt, now);
  if (effective === "EXPIRED") {
    return userError("RECOMMENDATION_EXPIRED", `This recommendation expired at ${expiresAt.toISOString()}; generate new ones.`, field);
  }
  if (effective !== "OPEN") return userError("RECOMMENDATION_NOT_OPEN", `This recommendation was already ${effective.toLowerCase()}.`, field);
  return null;
}

const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max);
const nullableText = (max: number) => z.string().trim().max(max).nullish();

/** Arguments per tool, after the person's overrides are applied. Unknown keys from a model are dropped. */
export const TOOL_ARGUMENTS = {
  sendOutreachEmail: z.object({
    kind: z.enum(["REPLY", "OUTREACH"]).default("OUTREACH"),
    /** Someone other than the lead's contact (the person a reply referred us to). */
    recipientEmail: z.string().trim().toLowerCase().email("must be an e-mail address").max(254).nullish(),
    recipientName: nullableText(200),
    /** Give both to skip the writer and use this text as the draft. */
    subject: nullableText(998),
    bodyText: nullableText(100_000),
  }),
  scheduleFollowUp: z.object({
    dueAt: z.coerce.date({ message: "must be a date-time" }),
    title: nullableText(300),
    reason: nullableText(500),
    /** A member to assign; default: the person accepting. */
    assigneeId: z.string().uuid().nullish(),
  }),
  updateDealStage: z.object({
    toStage: text(100),
    reason: nullableText(1000),
  }),
  logSalesActivity: z.object({
    type: z.enum(ACTIVITY_TYPES).default("NOTE"),
    summary: text(10_000),
  }),
} satisfies Record<RecommendationTool, z.ZodType>;

export type ToolArguments = { [T in RecommendationTool]: z.infer<(typeof TOOL_ARGUMENTS)[T]> };

/** The model's arguments with the person's overrides on top (null in an override removes the value), validated. */
export function acceptArguments<T extends RecommendationTool>(
  tool: T,
  params: unknown,
  overrides: unknown,
  field: string[] = ["input", "overrides"],
): { ok: true; value: ToolArguments[T] } | { ok: false; errors: UserError[] } {
  const base = isRecord(params) ? params : {};
  const extra = isRecord(overrides) ? overrides : {};
  if (overrides !== undefined && overrides !== null && !isRecord(overrides)) {
    return { ok: false, errors: [userError("VALIDATION_FAILED", "overrides must be an object of tool arguments.", field)] };
  }
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  // A model's stray or null values must not stop a valid acceptance: drop nulls, then validate.
  for (const [key, value] of Object.entries(merged)) if (value === null) delete merged[key];
  const parsed = TOOL_ARGUMENTS[tool].safeParse(merged);
  if (parsed.success) return { ok: true, value: parsed.data as ToolArguments[T] };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const path = issue.path.map(String);
      return userError("VALIDATION_FAILED", `${path.join(".") || "arguments"} ${issue.message}`, [...field, ...path]);
    }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
