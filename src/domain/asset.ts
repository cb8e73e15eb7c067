// Drive assets are looked for only inside the tenant's allowlisted folders or
// shared drives (settings.assets.folderIds). Pure rules, applied by the Drive
// adapter before it asks Google and again on every file Google returns.

export type FolderScope =
  | { ok: true; folderIds: string[] }
  | { ok: false; reason: "NO_ALLOWLIST" | "FOLDER_NOT_ALLOWED"; refused: string[] };

/** The folders a search may cover: the requested ones when all are allowlisted, else all allowlisted ones. */
export function folderScope(allowlist: readonly string[], requested?: readonly string[] | null): FolderScope {
  const allowed = [...new Set(allowlist.filter((id) => typeof id === "string" && id.trim() !== ""))];
  if (allowed.length === 0) return { ok: false, reason: "NO_ALLOWLIST", refused: [...(requested ?? [])] };
  if (!requested || requested.length === 0) return { ok: true, folderIds: allowed };
  const refused = requested.filter((id) => !allowed.includes(id));
  if (refused.length) return { ok: false, reason: "FOLDER_NOT_ALLOWED", refused };
  return { ok: true, folderIds: [...new Set(requested)] };
}

/** A file may be offered only when one of its parents is allowlisted. */
export function fileAllowed(parents: readonly string[] | null | undefined, allowlist: readonly string[]): boolean {
  return !!parents && parents.some((p) => allowlist.includes(p));
}

/** A string literal for a Drive query (q): backslashes and single quotes escaped. */
export function driveQueryLiteral(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
