// HubSpot's webhook signature v3, with the SDK's own implementation
// (`Signature` from @hubspot/api-client): base64 HMAC-SHA256, keyed with the
// app's client secret, of method + full URI + raw body + the
// X-HubSpot-Request-Timestamp value (milliseconds). A timestamp more than the
// tolerance (HubSpot's rule: 5 minutes) from now is refused before any HMAC.
//
// The SDK's `Signature.isValid` compares with `===`; we take its expected
// signature (`Signature.getSignature`, the function isValid itself uses) and
// compare in constant time instead. test/api/inbound/inbound-webhook.test.ts checks
// that `Signature.isValid` accepts exactly the requests this accepts.
//
// The SDK is loaded on the first verification, not at start-up (src/config/lazy-require.ts).
import { lazyRequire } from "../../config/lazy-require.js";
import { safeEqual, timestampFresh, type VerifyResult } from "../../domain/inbound/inbound-webhook.js";

const hubspotSdk = lazyRequire<typeof import("@hubspot/api-client")>("@hubspot/api-client");

/** HubSpot decodes these in the URI before signing (its v3 documentation); so do we. */
const DECODED: Record<string, string> = { "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";" };

export function hubspotUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()] ?? m);
}

export function hubspotV3Signature(input: { secret: string; method: string; url: string; body: string; timestamp: number }): string {
  return hubspotSdk().Signature.getSignature(input.method.toUpperCase(), "v3", {
    signature: "",
    clientSecret: input.secret,
    requestBody: input.body,
    url: hubspotUri(input.url),
    timestamp: input.timestamp,
  });
}

export function verifyHubSpotV3(input: {
  secrets: string[];
  method: string;
  /** The URIs the request may have been signed with (the configured public URL; the Host header's). */
  urls: string[];
  body: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  now: Date;
  toleranceSeconds: number;
}): VerifyResult {
  const { signature, timestamp } = input;
  if (!signature || !timestamp || !/^\d{1,16}$/.test(timestamp)) return { ok: false, reason: "MISSING_HEADERS" };
  const ts = Number(timestamp);
  if (!timestampFresh(ts, input.now, input.toleranceSeconds)) return { ok: false, reason: "STALE" };
  const body = input.body.toString("utf8");
  let match = false;
  for (const secret of input.secrets) {
    for (const url of new Set(input.urls)) {
      if (safeEqual(signature, hubspotV3Signature({ secret, method: input.method, url, body, timestamp: ts }))) match = true;
    }
  }
  return match ? { ok: true } : { ok: false, reason: "BAD_SIGNATURE" };
}
