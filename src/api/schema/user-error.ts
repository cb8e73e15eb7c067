// `userErrors { field message code }` on every mutation payload, and the
// helpers that turn validation failures and use-case outcomes into them.
import type { FieldRef } from "@pothos/core";
import type { z } from "zod";
import { USER_ERROR_CODES, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { builder } from "../builder.js";

export const UserErrorCodeEnum = builder.enumType("UserErrorCode", {
  description: "Why a mutation was refused. Stable: clients may branch on it.",
  values: USER_ERROR_CODES,
});

export const UserErrorType = builder.objectRef<UserError>("UserError").implement({
  description: "A business reason a mutation could not be done. Nothing was changed.",
  fields: (t) => ({
    field: t.exposeStringList("field", { description: "Path to the input field at fault; empty when it concerns the request as a whole." }),
    message: t.exposeString("message"),
    code: t.field({ type: UserErrorCodeEnum, resolve: (e) => e.code }),
  }),
});

/** The root of every mutation payload: whatever ids the use case returned, plus userErrors. */
export type Payload<T> = Partial<T> & { userErrors: UserError[] };

export function toPayload<T extends object>(outcome: Outcome<T>): Payload<T> {
  return outcome.ok ? { ...outcome.value, userErrors: [] } : ({ userErrors: outcome.errors } as Payload<T>);
}

export function errorPayload<T>(errors: UserError[]): Payload<T> {
  return { userErrors: errors } as Payload<T>;
}

/** Validates input with zod; failures become userErrors pointing at the field (under `input`). */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  root: string[] = ["input"],
): { ok: true; data: z.infer<S> } | { ok: false; errors: UserError[] } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => {
      const path = issue.path.map(String);
      const label = path.length ? path.join(".") : "input";
      return userError("VALIDATION_FAILED", `${label} ${issue.message}`, [...root, ...path]);
    }),
  };
}

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** A mutation payload type: its own fields plus `userErrors`. */
export function payloadType<Shape extends { userErrors: UserError[] }>(
  name: string,
  fields: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, Shape>) => Record<string, FieldRef<Types, unknown, "Object">>,
) {
  return builder.objectRef<Shape>(name).implement({
    fields: (t) => ({
      ...fields(t),
      userErrors: t.field({ type: [UserErrorType], resolve: (p) => p.userErrors }),
    }),
  });
}
