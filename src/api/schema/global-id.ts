// Relay global ids in inputs: decoded, and checked to name the expected type.
// A wrong or foreign id reads as "not found": it never tells whether the
// object exists in another tenant.
import { decodeGlobalID } from "@pothos/plugin-relay";
import { userError, type UserError } from "../../domain/user-error.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function idOf(
  globalId: string,
  typename: string,
  field: string[],
): { ok: true; id: string } | { ok: false; errors: UserError[] } {
  let decoded: { typename: string; id: string } | null = null;
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    decoded = null;
  }
  if (!decoded || decoded.typename !== typename || !UUID.test(decoded.id)) {
    return { ok: false, errors: [userError("NOT_FOUND", `No ${typename} with this id.`, field)] };
  }
  return { ok: true, id: decoded.id };
}
