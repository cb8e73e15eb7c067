// Wire-level fake of the pieces of Google behind a Gmail push notification:
// - GET oauth2/v1/certs (PEM, as google-auth-library's verifyIdToken reads)
//   and oauth2/v3/certs (JWKS) serve the public key of a key pair generated here;
// - signToken() makes the OIDC ID token Pub/Sub puts in a push request's
//   Authorization header (RS256, iss https://accounts.google.com, aud = the
//   subscription's audience, email = its service account);
// - pushBody() is the push request's JSON ({ message: { data: base64({emailAddress, historyId}) … }, subscription });
// - push() POSTs one to a URL as Pub/Sub does; with `pushEndpoint` set, the
//   composed server pushes every change of a watched mailbox (users.watch) there.
// Point GMAIL_PUSH_CERTS_URL at `${fake.url}/oauth2/v1/certs`.
import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "./common.js";

export interface PushClaims {
  iss: string;
  aud: string;
  email: string;
  email_verified: boolean;
  sub: string;
  iat: number;
  exp: number;
}

export interface FakePubSub {
  readonly kid: string;
  /** The service account the push subscription signs as. */
  serviceAccountEmail: string;
  /** The subscription's audience (GMAIL_PUSH_AUDIENCE). */
  audience: string;
  /** An ID token signed with the served key (or `key`, e.g. a forger's own key, under the served kid). */
  signToken(claims?: Partial<PushClaims>, options?: { key?: KeyObject; kid?: string }): string;
  pushBody(emailAddress: string, historyId: string | number): { message: { data: string; messageId: string; publishTime: string }; subscription: string };
  /** POSTs a push request to `url` with a token (default: a valid one). */
  push(url: string, emailAddress: string, historyId: string | number, token?: string | null): Promise<Response>;
  /** A key pair that Google never published (for forged tokens). */
  foreignKey(): KeyObject;
  /** How often the certificates were fetched. */
  certFetches: number;
  /** The push subscription's endpoint: set, every change of a watched mailbox is pushed there (composed server). */
  pushEndpoint: string | null;
  /** Status of every automatic push, in order. */
  readonly pushed: { email: string; historyId: number; status: number }[];
}

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

export function createFakePubSub(options: { serviceAccountEmail?: string; audience?: string } = {}): FakePubSub {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(8).toString("hex");
  let messages = 0;
  const fake: FakePubSub = {
    kid,
    serviceAccountEmail: options.serviceAccountEmail ?? "gmail-push@sales-agent-test.iam.gserviceaccount.com",
    audience: options.audience ?? "https://sales-agent.example/hooks/gmail/push",
    certFetches: 0,
    pushEndpoint: null,
    pushed: [],
    signToken(claims = {}, signOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: PushClaims = {
        iss: "https://accounts.google.com",
        aud: fake.audience,
        email: fake.serviceAccountEmail,
        email_verified: true,
        sub: "112233445566778899",
        iat: now,
        exp: now + 3600,
        ...claims,
      };
      const head = b64url(JSON.stringify({ alg: "RS256", kid: signOptions.kid ?? kid, typ: "JWT" }));
      const body = b64url(JSON.stringify(payload));
      const signature = createSign("RSA-SHA256").update(`${head}.${body}`).sign(signOptions.key ?? privateKey);
      return `${head}.${body}.${b64url(signature)}`;
    },
    pushBody(emailAddress, historyId) {
      messages += 1;
      return {
        message: {
          data: Buffer.from(JSON.stringify({ emailAddress, historyId: Number(historyId) })).toString("base64"),
          messageId: String(1_000_000 + messages),
          publishTime: new Date().toISOString(),
        },
        subscription: "projects/sales-agent-test/subscriptions/gmail-push",
      };
    },
    push(url, emailAddress, historyId, token = fake.signToken()) {
      return fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(fake.pushBody(emailAddress, historyId)),
      });
    },
    foreignKey: () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
  };
  (fake as FakePubSub & { publicKey: KeyObject }).publicKey = publicKey;
  return fake;
}

/** GET /oauth2/v1/certs (PEM by kid) and /oauth2/v3/certs (JWKS); false for any other path. */
export function pubsubRoutes(fake: FakePubSub): (req: IncomingMessage, res: ServerResponse) => boolean {
  const publicKey = (fake as FakePubSub & { publicKey: KeyObject }).publicKey;
  return (req, res) => {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    if (req.method !== "GET" || (path !== "/oauth2/v1/certs" && path !== "/oauth2/v3/certs")) return false;
    fake.certFetches += 1;
    const cache = { "cache-control": "public, max-age=300" };
    if (path === "/oauth2/v1/certs") return sendJson(res, 200, { [fake.kid]: publicKey.export({ type: "spki", format: "pem" }).toString() }, cache);
    return sendJson(res, 200, { keys: [{ ...publicKey.export({ format: "jwk" }), kid: fake.kid, alg: "RS256", use: "sig" }] }, cache);
  };
}
