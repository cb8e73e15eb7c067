// Signed download links for data exports: the tenant, the export and the
// expiry, with an HMAC-SHA256 over them (the same construction as
// invitation links, with its own domain-separated key). The link is a bearer
// credential for one archive until it is downloaded once or expires.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface ExportClaims {
  tenantId: string;
  exportId: string;
  expiresAt: Date;
}

const PREFIX = "x1.";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The signing key for export links, derived from a server secret. */
export function exportLinkKey(serverSecret: string): Buffer {
  return createHmac("sha256", serverSecret).update("sales-agent data export links v1").digest();
}

export function signExportToken(key: Buffer, claims: ExportClaims): string {
  const payload = Buffer.from(JSON.stringify({ t: claims.tenantId, x: claims.exportId, e: Math.floor(claims.expiresAt.getTime() / 1000) })).toString("base64url");
  return `${PREFIX}${payload}.${createHmac("sha256", key).update(payload).digest("base64url")}`;
}

/** The claims of a genuine token (expired or not: the caller answers 410 for that), or null for anything forged or malformed. */
export function verifyExportToken(key: Buffer, token: string): ExportClaims | null {
  if (typeof token !== "string" || !token.startsWith(PREFIX) || token.length > 1000) return null;
  const [payload, signature, ...rest] = token.slice(PREFIX.length).split(".");
  if (!payload || !signature || rest.length || !/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return null;
  // Compare the canonical text, not decoded bytes (base64 has spare bits).
  const expected = Buffer.from(createHmac("sha256", key).update(payload).digest("base64url"), "utf8");
  const given = Buffer.from(signature, "utf8");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { t?: unknown; x?: unknown; e?: unknown };
    if (typeof parsed.t !== "string" || !UUID.test(parsed.t) || typeof parsed.x !== "string" || !UUID.test(parsed.x) || typeof parsed.e !== "number") return null;
    return { tenantId: parsed.t, exportId: parsed.x, expiresAt: new Date(parsed.e * 1000) };
  } catch {
    return null;
  }
}

/** Columns an export never carries: sealed secrets, token and content hashes. */
export const EXPORT_OMITTED_COLUMN = /secret|envelope|ciphertext|token|verifier|hash/i;

/** Tables a tenant export leaves out: archives themselves, sealed credentials and tenant secrets, OAuth flow state. */
export const EXPORT_OMITTED_TABLES = new Set(["DataExport", "ConnectionCredential", "OAuthState", "IdempotencyRecord", "TenantSecret", "_prisma_migrations"]);

/** How long a ready archive can be downloaded. */
export const EXPORT_LINK_TTL_MS = 24 * 3_600_000;
