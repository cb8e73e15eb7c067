// The signed-in token lives in sessionStorage only (gone when the tab closes;
// never in the URL, never in localStorage).
const KEY = "sales-agent.token";

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

/** Accepts the printed line as well: `{ "Authorization": "Bearer eyJ…" }`, `Bearer eyJ…` or the bare token. */
export function normaliseToken(input: string): string {
  let text = input.trim();
  const json = /"Authorization"\s*:\s*"([^"]+)"/i.exec(text);
  if (json) text = json[1]!;
  return text.replace(/^Bearer\s+/i, "").trim();
}
