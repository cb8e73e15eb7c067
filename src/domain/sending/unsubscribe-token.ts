// Signed unsubscribe tokens: the tenant and the address, with an HMAC-SHA256
// over both. Anyone holding a link can unsubscribe that one address of that
// one tenant and nothing else; a changed byte makes the token invalid.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface UnsubscribeClaims {
  tenantId: string;
  email: string;
}

const VERSION = "u1";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function mac(secret: string, body: string): Buffer {
  return createHmac("sha256", secret).update(`${VERSION}.${body}`).digest();
}

export function signUnsubscribeToken(secret: string, claims: UnsubscribeClaims): string {
  const body = Buffer.from(JSON.stringify({ t: claims.tenantId, e: claims.email.trim().toLowerCase() }), "utf8").toString("base64url");
  return `${VERSION}.${body}.${mac(secret, body).toString("base64url")}`;
}

/** The claims of a genuine token, or null for anything forged, altered or malformed (never says which). */
export function verifyUnsubscribeToken(secret: string, token: string): UnsubscribeClaims | null {
  if (typeof token !== "string" || token.length > 2048) return null;
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION) return null;
  const [, body, signature] = parts as [string, string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return null;
  // Compare the canonical text, not decoded bytes: base64 has spare bits, so two strings can decode alike.
  const expected = Buffer.from(mac(secret, body).toString("base64url"), "utf8");
  const given = Buffer.from(signature, "utf8");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { t?: unknown; e?: unknown };
    if (typeof parsed.t !== "string" || !UUID.test(parsed.t) || typeof parsed.e !== "string" || !parsed.e.includes("@")) return null;
    return { tenantId: parsed.t, email: parsed.e };
  } catch {
    return null;
  }
}
