// Google service-account domain-wide delegation, the pure parts: reading an
// uploaded JSON key file (only the fields the jwt-bearer grant needs are
// kept, the key is checked to be an RSA private key) and describing Google's
// refusals of a delegated token in words a Workspace admin can act on.
// Nothing here ever puts key material or the uploaded text in a message.
import { createPrivateKey } from "node:crypto";
import { parseEmail } from "../email.js";
import type { ProviderFailure } from "./connection.js";

/** What is kept of a service account's JSON key file (sealed in the credential vault, never returned). */
export interface ServiceAccountKey {
  clientEmail: string;
  /** The numeric OAuth client id the Workspace admin authorises for domain-wide delegation (not a secret). */
  clientId: string;
  privateKeyId: string;
  privateKey: string;
}

export type ServiceAccountKeyParse = { ok: true; key: ServiceAccountKey } | { ok: false; message: string };

const CLIENT_ID = /^\d{6,30}$/;
const KEY_ID = /^[0-9a-f]{16,64}$/i;

/** Parses a JSON key file (Cloud console → IAM → Service accounts → Keys → Add key → JSON). */
export function parseServiceAccountKey(text: string): ServiceAccountKeyParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, message: "The service-account key is not JSON: upload the JSON key file as downloaded from Google Cloud." };
  }
  const k = (json && typeof json === "object" ? json : {}) as Record<string, unknown>;
  if (k.type !== "service_account") return { ok: false, message: 'This is not a service-account key file (its "type" must be "service_account").' };
  const email = typeof k.client_email === "string" ? parseEmail(k.client_email) : null;
  if (!email?.ok) return { ok: false, message: "The key file has no valid client_email." };
  if (typeof k.client_id !== "string" || !CLIENT_ID.test(k.client_id)) return { ok: false, message: "The key file has no valid client_id." };
  if (typeof k.private_key_id !== "string" || !KEY_ID.test(k.private_key_id)) return { ok: false, message: "The key file has no valid private_key_id." };
  if (typeof k.private_key !== "string") return { ok: false, message: "The key file has no private_key." };
  try {
    const key = createPrivateKey(k.private_key);
    if (key.asymmetricKeyType !== "rsa") return { ok: false, message: "The key file's private_key is not an RSA key." };
  } catch {
    return { ok: false, message: "The key file's private_key is not a readable private key." };
  }
  return { ok: true, key: { clientEmail: email.email.original.toLowerCase(), clientId: k.client_id, privateKeyId: k.private_key_id, privateKey: k.private_key } };
}

/** Where a Workspace admin authorises a client id for domain-wide delegation. */
const ADMIN_CONSOLE_PATH = "Google Workspace Admin console → Security → Access and data control → API controls → Domain-wide delegation";

/**
 * Google's refusal of a delegated token (the token endpoint's `error` and
 * `error_description`, as gaxios carries them) as a failure to show and store.
 * Only known phrases are matched; nothing Google sent is echoed. Refusals
 * need an admin (REAUTH); anything else is left to the generic classifier.
 */
export function describeDelegationRefusal(error: unknown, context: { clientId: string; subject: string; scopes: readonly string[] }): ProviderFailure | null {
  const e = error as { response?: { status?: unknown; data?: unknown } } | null;
  const data = (e?.response?.data ?? {}) as { error?: unknown; error_description?: unknown };
  const code = typeof data.error === "string" ? data.error : null;
  const description = typeof data.error_description === "string" ? data.error_description : "";
  const status = typeof e?.response?.status === "number" ? e.response.status : null;
  const label = `${code}${status ? `, HTTP ${status}` : ""}`;
  if (code === "unauthorized_client") {
    return {
      kind: "REAUTH",
      message: `Google refused domain-wide delegation (${label}): client ID ${context.clientId} is not authorised for these scopes. In the ${ADMIN_CONSOLE_PATH}, authorise it for: ${context.scopes.join(", ")}.`,
    };
  }
  if (code === "invalid_scope") return { kind: "REAUTH", message: `Google refused the requested scopes (${label}).` };
  if (code === "invalid_grant") {
    if (/invalid email or user id/i.test(description)) {
      return { kind: "REAUTH", message: `Google does not know the Workspace user ${context.subject} (${label}): impersonate an existing user of the domain.` };
    }
    if (/signature|account not found/i.test(description)) {
      return { kind: "REAUTH", message: `Google refused the service-account key (${label}): the key or the service account was deleted or disabled; upload a current key.` };
    }
    if (/iat|exp|timeframe/i.test(description)) {
      return { kind: "PERMANENT", message: `Google refused the signed assertion's time (${label}): check this server's clock.` };
    }
    return { kind: "REAUTH", message: `Google refused the delegated grant (${label}).` };
  }
  return null;
}
