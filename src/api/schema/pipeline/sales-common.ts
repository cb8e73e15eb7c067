// Small pieces the sales types share: sort direction, member ids as User
// global ids, text search terms, dates without time.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { userError, type UserError } from "../../../domain/user-error.js";
import { builder } from "../../builder.js";
import { idOf, whereId } from "../global-id.js";

export const SortDirectionEnum = builder.enumType("SortDirection", { values: ["ASC", "DESC"] as const });

/** An `XOrder` input: a sort field of the given enum and a direction (default order: newest first). */
export function orderInput<F extends string>(name: string, fieldEnum: PothosSchemaTypes.EnumRef<never, F, F>) {
  return builder.inputType(name, {
    fields: (t) => ({
      field: t.field({ type: fieldEnum, required: true }),
      direction: t.field({ type: SortDirectionEnum, required: true }),
    }),
  });
}

export const sortDirection = (direction: "ASC" | "DESC" | null | undefined): "asc" | "desc" => (direction === "ASC" ? "asc" : "desc");

export const userGlobalId = (userId: string | null | undefined): string | null => (userId ? encodeGlobalID("User", userId) : null);

/** Decodes optional global ids; collects NOT_FOUND errors instead of throwing. */
export function optionalIds(
  errors: UserError[],
  ids: Record<string, { value: string | null | undefined; type: string }>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [field, { value, type }] of Object.entries(ids)) {
    if (value === null || value === undefined) continue;
    const decoded = idOf(String(value), type, ["input", field]);
    if (decoded.ok) out[field] = decoded.id;
    else errors.push(...decoded.errors);
  }
  return out;
}

/** Search text → up to five terms; each must match somewhere. */
export function searchTerms(search: string | null | undefined): string[] {
  return (search ?? "")
    .trim()
    .split(/\s+/)
    .filter((t) => t.length > 0)
    .slice(0, 5)
    .map((t) => t.slice(0, 100));
}

/** A filter's global id for a where clause; an id that names nothing (wrong type, not a uuid) matches nothing. */
export function filterId(globalId: string, type: string): string | { in: string[] } {
  return whereId(globalId, type);
}

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function dateOnly(value: string | null | undefined, field: string[], errors: UserError[]): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const d = new Date(`${value}T00:00:00.000Z`);
  if (!ISO_DATE.test(value) || Number.isNaN(d.getTime())) {
    errors.push(userError("VALIDATION_FAILED", `${field[field.length - 1]} must be a date such as 2026-12-31.`, field));
    return undefined;
  }
  return d;
}

/**
 * An id an edit may set or clear: absent → undefined (leave it), null → null
 * (clear it), a global id → the decoded id (or a NOT_FOUND error).
 */
export function clearableId(errors: UserError[], value: string | number | null | undefined, type: string, field: string[]): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const decoded = idOf(String(value), type, field);
  if (decoded.ok) return decoded.id;
  errors.push(...decoded.errors);
  return undefined;
}

/** Drops absent (undefined) fields and keeps null, which an edit reads as "clear". */
export function presentFields<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
