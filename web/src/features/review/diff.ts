// Word-level diff (longest common subsequence) between the AI's original text and the current one.
export interface DiffPart {
  kind: "same" | "added" | "removed";
  text: string;
}

/** Words with their trailing white space, so a replaced phrase reads as one change. */
function tokens(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

export function wordDiff(before: string, after: string): DiffPart[] {
  const a = tokens(before);
  const b = tokens(after);
  // Bounded: beyond ~4M cells fall back to "all removed, all added".
  if (a.length * b.length > 4_000_000) return [{ kind: "removed", text: before }, { kind: "added", text: after }];
  const lcs: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const parts: DiffPart[] = [];
  const push = (kind: DiffPart["kind"], text: string) => {
    const last = parts[parts.length - 1];
    if (last && last.kind === kind) last.text += text;
    else parts.push({ kind, text });
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) (push("same", a[i]!), i++, j++);
    else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) push("removed", a[i++]!);
    else push("added", b[j++]!);
  }
  while (i < a.length) push("removed", a[i++]!);
  while (j < b.length) push("added", b[j++]!);
  return parts;
}

/** Phrases a quality finding quotes ("…") or names (placeholders), to highlight in the text. */
export function findingTerms(message: string): string[] {
  const terms = [...message.matchAll(/"([^"]{2,80})"/g)].map((m) => m[1]!);
  const placeholder = /placeholder (\S+?):/.exec(message);
  if (placeholder) terms.push(placeholder[1]!);
  return terms;
}

export interface Highlighted {
  text: string;
  mark: boolean;
}

export function highlight(text: string, terms: string[]): Highlighted[] {
  const wanted = terms.filter(Boolean).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (wanted.length === 0) return [{ text, mark: false }];
  const re = new RegExp(`(${wanted.join("|")})`, "gi");
  return text.split(re).filter((s) => s !== "").map((s) => ({ text: s, mark: wanted.some((w) => new RegExp(`^${w}$`, "i").test(s)) }));
}
