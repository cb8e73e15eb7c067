// Relay global ids in inputs: the one way they are decoded. An id names an
// object only when it decodes, names the expected type and carries a uuid;
// anything else names nothing — and is never sent to the database. A wrong or
// foreign id reads as "not found": it never tells whether the object exists
// in another tenant.
//   - reads (a field's id argument): decodeId → null → the field answers null;
//   - mutations: idOf → a NOT_FOUND userError at the input field;
//   - list filters: whereId → a condition that matches nothing.
import { decodeGlobalID } from "@pothos/plugin-relay";
import { userError, type UserError } from "../../domain/user-error.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The uuid a global id of `typename` carries, or null when it names nothing. */
export function decodeId(globalId: string | number | null | undefined, typename: string): string | null {
  if (globalId === null || globalId === undefined) return null;
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(String(globalId));
  } catch {
    return null;
  }
  return decoded.typename === typename && UUID.test(decoded.id) ? decoded.id : null;
}

export function idOf(
  globalId: string | number,
  typename: string,
  field: string[],
): { ok: true; id: string } | { ok: false; errors: UserError[] } {
  const id = decodeId(globalId, typename);
  if (id === null) return { ok: false, errors: [userError("NOT_FOUND", `No ${typename} with this id.`, field)] };
  return { ok: true, id };
}

/** A Prisma condition on an id column for a filter's global id: the id, or an empty `in` that matches nothing. */
export function whereId(globalId: string | number, typename: string): string | { in: string[] } {
  return decodeId(globalId, typename) ?? { in: [] };
}
