// Names from what an e-mail gives us: the display name, or the address.

/** "Maria Keller" → "Maria"; "maria.keller@x" → "Maria"; "info@x" → null. */
export function firstNameOf(displayName: string | null | undefined, address?: string | null): string | null {
  const fromDisplay = displayName
    ?.replace(/["']/g, "")
    .replace(/^(mr|mrs|ms|dr|prof)\.?\s+/i, "")
    .trim();
  if (fromDisplay) {
    // "Keller, Maria" → Maria
    const parts = fromDisplay.includes(",") ? fromDisplay.split(",").reverse().map((p) => p.trim()) : [fromDisplay];
    const first = parts[0]!.split(/\s+/)[0]!;
    if (/^[\p{L}][\p{L}'-]+$/u.test(first) && !/@/.test(first)) return capitalise(first);
  }
  const local = address?.split("@")[0]?.toLowerCase() ?? "";
  if (/^(info|sales|contact|hello|admin|support|office|team|noreply|no-reply|mail|enquiries|hr|billing|accounts)$/.test(local)) return null;
  const token = local.split(/[._-]/)[0] ?? "";
  return token.length >= 3 && /^[a-z]+$/.test(token) ? capitalise(token) : null;
}

export function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}
