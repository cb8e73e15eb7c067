// Gmail push notifications arrive as Cloud Pub/Sub push requests:
//   POST { message: { data: base64(JSON {emailAddress, historyId}), messageId, publishTime }, subscription }
//   Authorization: Bearer <OIDC ID token signed by Google for the subscription's service account>
// The token is verified with google-auth-library (OAuth2Client.verifyIdToken:
// signature against Google's certificates — a configurable URL, so tests can
// serve their own —, expiry, issuer accounts.google.com, our audience), then
// its e-mail must be the configured service account, verified. Anything else
// is refused before the body is looked at.
import { lazyRequire } from "../../config/lazy-require.js";

const googleAuth = lazyRequire<typeof import("google-auth-library")>("google-auth-library");

export interface PushVerifierOptions {
  audience: string;
  serviceAccountEmail: string;
  /** Google's PEM certificates (https://www.googleapis.com/oauth2/v1/certs) or a fake's. */
  certsUrl: string;
}

export interface GmailPushNotification {
  emailAddress: string;
  historyId: string;
  /** Pub/Sub's id of the message (for logs). */
  messageId: string | null;
}

export type PushVerification = { ok: true } | { ok: false; reason: "MISSING_TOKEN" | "INVALID_TOKEN" | "WRONG_ACCOUNT" };

export interface PushVerifier {
  verify(authorization: string | undefined): Promise<PushVerification>;
}

export function createPushVerifier(options: PushVerifierOptions): PushVerifier {
  const client = new (googleAuth().OAuth2Client)({
    endpoints: { oauth2FederatedSignonPemCertsUrl: options.certsUrl },
    issuers: ["accounts.google.com", "https://accounts.google.com"],
  });
  const expected = options.serviceAccountEmail.toLowerCase();
  return {
    async verify(authorization) {
      const token = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization?.trim() ?? "")?.[1];
      if (!token) return { ok: false, reason: "MISSING_TOKEN" };
      let payload;
      try {
        // Signature, iat/exp (with Google's clock skew), issuer and audience.
        payload = (await client.verifyIdToken({ idToken: token, audience: options.audience })).getPayload();
      } catch {
        // The library's messages quote the token: never logged or returned.
        return { ok: false, reason: "INVALID_TOKEN" };
      }
      if (!payload?.email || payload.email.toLowerCase() !== expected || payload.email_verified !== true) return { ok: false, reason: "WRONG_ACCOUNT" };
      return { ok: true };
    },
  };
}

/** The Gmail notification in a Pub/Sub push body, or null when it is not one. */
export function parseGmailPush(body: unknown): GmailPushNotification | null {
  const message = (body as { message?: { data?: unknown; messageId?: unknown; message_id?: unknown } } | null)?.message;
  if (!message || typeof message.data !== "string" || message.data.length > 10_000) return null;
  let data: { emailAddress?: unknown; historyId?: unknown };
  try {
    data = JSON.parse(Buffer.from(message.data, "base64").toString("utf8")) as typeof data;
  } catch {
    return null;
  }
  const email = typeof data?.emailAddress === "string" ? data.emailAddress.trim().toLowerCase() : "";
  const historyId = typeof data?.historyId === "number" ? String(data.historyId) : typeof data?.historyId === "string" ? data.historyId : "";
  if (!/^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email) || !/^\d{1,30}$/.test(historyId)) return null;
  const id = typeof message.messageId === "string" ? message.messageId : typeof message.message_id === "string" ? message.message_id : null;
  return { emailAddress: email, historyId, messageId: id?.slice(0, 100) ?? null };
}
