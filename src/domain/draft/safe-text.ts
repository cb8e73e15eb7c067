// What text and JSON the service can store. PostgreSQL refuses a NUL character
// in text and jsonb, and a lone UTF-16 surrogate cannot be encoded as UTF-8;
// object keys named like JavaScript built-ins can change an object's prototype
// when copied. Input is checked against these rules where it enters (the API
// edge, import rows, raw messages) so that it never reaches the database.

/** A NUL, or a high surrogate not followed by a low one, or a low one not preceded by a high one. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored, or null when it can. */
export function unstorableText(value: string): string | null {
  const m = UNSTORABLE.exec(value);
  if (!m) return null;
  return m[0] === "\u0000" ? "contains a NUL character" : "contains an unpaired UTF-16 surrogate (not valid Unicode)";
}

/** Keys that must never be copied onto an object by name (prototype pollution). */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** JSON deeper than this is refused (no legitimate input comes close). */
export const MAX_JSON_DEPTH = 32;

export interface ValueProblem {
  /** Path inside the value (object keys and list indexes). */
  path: string[];
  message: string;
}

/**
 * The first problem in a JSON-like value: unstorable text (in values and in
 * keys), reserved keys, or nesting deeper than `maxDepth`. Iterative, so a
 * value nested thousands of levels deep cannot exhaust the stack.
 */
export function valueProblem(
  value: unknown,
  options: {
    maxDepth?: number;
    /** Dotted paths (with basePath) below which only the depth is checked: their content is judged item by item later. */
    lenientAt?: readonly string[];
    /** Where `value` sits (e.g. the argument name), for matching lenientAt. */
    basePath?: readonly string[];
  } = {},
): ValueProblem | null {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const lenientAt = new Set(options.lenientAt ?? []);
  const base = options.basePath ?? [];
  const isLenient = (path: string[]) => lenientAt.size > 0 && lenientAt.has([...base, ...path].join("."));
  const stack: { value: unknown; path: string[]; lenient: boolean }[] = [{ value, path: [], lenient: isLenient([]) }];
  while (stack.length) {
    const { value: v, path, lenient } = stack.pop()!;
    if (typeof v === "string") {
      const why = lenient ? null : unstorableText(v);
      if (why) return { path, message: why };
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (path.length >= maxDepth) return { path, message: `is nested more than ${maxDepth} levels deep` };
    if (v instanceof Date) continue;
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((item, i) => [String(i), item]) : Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const childPath = [...path, key];
      if (!lenient && !Array.isArray(v)) {
        if (RESERVED_KEYS.has(key)) return { path: childPath, message: `uses the reserved key "${key}"` };
        const why = unstorableText(key);
        if (why) return { path: childPath, message: `has a key that ${why}` };
      }
      stack.push({ value: child, path: childPath, lenient: lenient || isLenient(childPath) });
    }
  }
  return null;
}
