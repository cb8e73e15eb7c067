// Missing values as forms and CRMs write them. A web form's untouched
// drop-down sends "Select" or "-- Please select --", a spreadsheet has "N/A",
// "-" or "unknown", an import has blanks and stray spaces. None of these is a
// category: to learned scoring they are a missing value, and an explanation or
// a bias segment names them "missing", never the placeholder.

/** How a missing value is shown in explanations, model labels and segments. */
export const MISSING_LABEL = "missing";

const PLACEHOLDERS = new Set([
  "select", "select one", "select an option", "please select", "please select one", "please choose", "choose", "choose one",
  "choose an option", "pick one", "n/a", "n.a.", "n.a", "n/k", "not applicable", "not available", "not known",
  "not specified", "not provided", "not set", "unspecified", "unknown", "none", "null", "nil", "undefined", "nan", "empty",
  "blank", "tbd", "tba", "?", "??", "???", "-", "--", "---", "—", "–", ".", "..", "...", "…", "#n/a", "(none)", "(blank)",
  "(empty)", "(unknown)", "(missing)", "missing", "<none>", "<empty>", "<blank>",
]);

/**
 * True for a blank or a form placeholder, in any case, with any surrounding
 * white space or decoration ("-- Select --", "[N/A]", "  Unknown  ").
 */
export function isMissingValue(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value !== "string") return false;
  const text = value.normalize("NFKC").replace(/\s+/g, " ").trim().toLowerCase();
  if (text === "") return true;
  if (PLACEHOLDERS.has(text)) return true;
  // "-- Select --", "[N/A]", "<Unknown>", "*none*": a placeholder in decoration.
  const bare = text.replace(/^[\s\-–—_*=[\](){}<>"'.:]+|[\s\-–—_*=[\](){}<>"'.:]+$/g, "").trim();
  return bare !== text && (bare === "" || PLACEHOLDERS.has(bare));
}

/** The value, or null when it is a missing value. */
export function presentOrNull<T>(value: T): T | null {
  return isMissingValue(value) ? null : value;
}

/** A segment's name in a bias report: the value itself, or "missing". */
export function segmentLabel(value: unknown): string {
  return isMissingValue(value) ? MISSING_LABEL : String(value).trim();
}
