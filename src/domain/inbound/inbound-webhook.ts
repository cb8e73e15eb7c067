// Inbound webhooks, the pure rules: the public id and secrets of an endpoint,
// the generic signature scheme (HMAC-SHA256 over `<timestamp>.<raw body>`,
// constant-time compared, timestamp window, current + previous secret during
// a rotation), the replay keys, and the payloads we understand — a generic
// form submission, HubSpot's webhook events and form submissions — mapped to
// one shape. No I/O here. HubSpot's v3 signature is checked with the SDK in
// src/integrations/hubspot-webhook-signature.ts.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { nameFromDisplay } from "./inbound-message.js";

export const INBOUND_WEBHOOK_KINDS = ["HUBSPOT", "GENERIC"] as const;
export type InboundWebhookKind = (typeof INBOUND_WEBHOOK_KINDS)[number];

export const INBOUND_DELIVERY_STATUSES = ["RECEIVED", "PROCESSED", "IGNORED", "FAILED"] as const;
export type InboundDeliveryStatus = (typeof INBOUND_DELIVERY_STATUSES)[number];

/** The generic scheme's headers (documented in the README, "Inbound webhooks"). */
export const GENERIC_HEADERS = {
  id: "x-webhook-id",
  timestamp: "x-webhook-timestamp",
  signature: "x-webhook-signature",
} as const;

/** HubSpot's v3 headers. */
export const HUBSPOT_HEADERS = {
  signature: "x-hubspot-signature-v3",
  timestamp: "x-hubspot-request-timestamp",
} as const;

export const MAX_DELIVERY_ID_LENGTH = 200;
export const MAX_ENDPOINT_NAME_LENGTH = 200;
/** How long a previous secret may stay valid after a rotation, at most (7 days). */
export const MAX_PREVIOUS_SECRET_SECONDS = 7 * 86_400;

/** The id in the public path: 24 random bytes (192 bits), base64url. Never derived from the tenant. */
export function generatePublicId(): string {
  return randomBytes(24).toString("base64url");
}

/** Whether a path segment can be a public id at all (checked before any database look-up). */
export function looksLikePublicId(value: string): boolean {
  return /^[A-Za-z0-9_-]{32}$/.test(value);
}

/** A generic endpoint's signing secret: `whin_` + 32 random bytes, base64url. The HMAC key is the whole string. */
export function generateInboundSecret(): string {
  return `whin_${randomBytes(32).toString("base64url")}`;
}

/** The AAD binding an endpoint's sealed secrets to its tenant and endpoint. */
export function inboundSecretAad(tenantId: string, endpointId: string): string {
  return `inbound-webhook-endpoint:${tenantId}:${endpointId}`;
}

/** What the vault seals: the current secret and, during a rotation's switch, the previous one. */
export interface InboundSecrets {
  current: string;
  previous?: { secret: string; validUntil: string } | null;
}

/** The secrets a delivery may be signed with now: the current one, and the previous one until its time ends. */
export function validSecrets(secrets: InboundSecrets, now: Date): string[] {
  const list = [secrets.current];
  if (secrets.previous && new Date(secrets.previous.validUntil).getTime() > now.getTime()) list.push(secrets.previous.secret);
  return list;
}

/** After a rotation: the new secret is current; the old one stays valid for `previousValidSeconds` (0: refused at once). */
export function rotateInboundSecrets(old: InboundSecrets, next: string, now: Date, previousValidSeconds: number): InboundSecrets {
  return {
    current: next,
    previous: previousValidSeconds > 0 ? { secret: old.current, validUntil: new Date(now.getTime() + previousValidSeconds * 1000).toISOString() } : null,
  };
}

/** The generic signature: hex HMAC-SHA256 of `<timestamp>.<raw body>` with the secret. */
export function genericSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
}

/** Constant-time equality of two strings (false, in constant time for their length, when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

export type VerifyFailure = "MISSING_HEADERS" | "STALE" | "BAD_SIGNATURE";
export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

/** A timestamp in seconds (generic) within ±tolerance of now; a future one beyond it is refused like a stale one. */
export function timestampFresh(timestampMs: number, now: Date, toleranceSeconds: number): boolean {
  return Number.isFinite(timestampMs) && Math.abs(now.getTime() - timestampMs) <= toleranceSeconds * 1000;
}

/**
 * Verifies a generic delivery: `X-Webhook-Timestamp` (Unix seconds) within the
 * window, `X-Webhook-Signature: sha256=<hex>` (several, space- or
 * comma-separated, are accepted) matching one of the valid secrets. Every
 * candidate is compared in constant time.
 */
export function verifyGeneric(input: {
  secrets: string[];
  timestamp: string | undefined;
  signature: string | undefined;
  body: Buffer;
  now: Date;
  toleranceSeconds: number;
}): VerifyResult {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "MISSING_HEADERS" };
  if (!timestampFresh(Number(timestamp) * 1000, input.now, input.toleranceSeconds)) return { ok: false, reason: "STALE" };
  const given = signature
    .split(/[\s,]+/)
    .filter(Boolean)
    .slice(0, 4)
    .map((s) => s.replace(/^sha256=/i, "").toLowerCase());
  let match = false;
  for (const secret of input.secrets) {
    const expected = genericSignature(secret, timestamp, input.body);
    for (const g of given) if (safeEqual(g, expected)) match = true;
  }
  return match ? { ok: true } : { ok: false, reason: "BAD_SIGNATURE" };
}

/** A hash of what the signature covered: the same signed request twice is a replay even under a new delivery id. */
export function contentHash(...parts: Array<string | Buffer>): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
}

/** A delivery id as given (printable, bounded), else null. */
export function deliveryIdFrom(header: string | undefined): string | null {
  const v = header?.trim();
  if (!v || v.length > MAX_DELIVERY_ID_LENGTH || !/^[\x21-\x7e]+$/.test(v)) return null;
  return v;
}

// ---------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------

/** A form submission, whatever sent it: what becomes a lead and a follow-up draft. */
export interface FormSubmission {
  email: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  companyDomain: string | null;
  title: string | null;
  phone: string | null;
  message: string | null;
  formName: string | null;
  pageUrl: string | null;
  submittedAt: string | null;
  /** The sender's own id of the person (HubSpot: the contact's object id). */
  externalId: string | null;
}

/** A contact, company or deal change in HubSpot: recorded, and handed to the sync when a connection exists. */
export interface CrmChange {
  objectType: "contact" | "company" | "deal" | "other";
  subscriptionType: string;
  objectId: string | null;
  propertyName: string | null;
  propertyValue: string | null;
  occurredAt: string | null;
  eventId: string | null;
  portalId: string | null;
}

export type InboundItem = { kind: "FORM"; form: FormSubmission } | { kind: "CRM_CHANGE"; change: CrmChange } | { kind: "UNSUPPORTED"; type: string };

export const MAX_ITEMS_PER_DELIVERY = 100;
const MAX_MESSAGE = 10_000;

function text(value: unknown, max: number): string | null {
  if (typeof value === "number" && Number.isFinite(value)) value = String(value);
  if (typeof value !== "string") return null;
  const v = value.replace(/\u0000/g, "").trim();
  return v ? v.slice(0, max) : null;
}

/** `{ email: "x" }`, `{ email: { value: "x" } }` or `[{ name: "email", value: "x" }]` → a flat record of strings. */
export function flattenFields(fields: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(fields)) {
    for (const f of fields.slice(0, 200)) {
      if (f && typeof f === "object" && typeof (f as { name?: unknown }).name === "string") out[(f as { name: string }).name] = (f as { value?: unknown }).value;
    }
  } else if (fields && typeof fields === "object") {
    for (const [k, v] of Object.entries(fields as Record<string, unknown>).slice(0, 200)) {
      out[k] = v && typeof v === "object" && !Array.isArray(v) && "value" in (v as object) ? (v as { value: unknown }).value : v;
    }
  }
  return out;
}

const FIELD_ALIASES: Record<keyof Omit<FormSubmission, "externalId" | "submittedAt" | "formName" | "pageUrl">, string[]> = {
  email: ["email", "e-mail", "emailaddress", "email_address"],
  firstName: ["firstname", "first_name", "first"],
  lastName: ["lastname", "last_name", "last"],
  company: ["company", "companyname", "company_name", "organisation", "organization"],
  companyDomain: ["companydomain", "company_domain", "website", "domain"],
  title: ["title", "jobtitle", "job_title", "role"],
  phone: ["phone", "phonenumber", "phone_number", "mobilephone"],
  message: ["message", "comments", "comment", "body", "enquiry", "inquiry"],
};

function pick(fields: Record<string, unknown>, aliases: string[], max: number): string | null {
  const lower = new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase().replace(/[\s-]+/g, "_").replace(/_/g, ""), v]));
  for (const a of aliases) {
    const v = text(lower.get(a.replace(/[\s_-]+/g, "")), max);
    if (v) return v;
  }
  return null;
}

/** A form submission from flat fields, or null when there is no e-mail address (nothing to follow up). */
export function formFromFields(fields: Record<string, unknown>, extra: { formName?: unknown; pageUrl?: unknown; submittedAt?: unknown; externalId?: unknown } = {}): FormSubmission | null {
  const email = pick(fields, FIELD_ALIASES.email, 254);
  if (!email) return null;
  let firstName = pick(fields, FIELD_ALIASES.firstName, 100);
  let lastName = pick(fields, FIELD_ALIASES.lastName, 100);
  const name = pick(fields, ["name", "fullname", "full_name"], 200);
  if (!firstName && !lastName && name) ({ firstName, lastName } = nameFromDisplay(name));
  const submitted = extra.submittedAt ?? fields.submittedAt;
  const submittedAt =
    typeof submitted === "number" ? new Date(submitted > 1e12 ? submitted : submitted * 1000).toISOString() : typeof submitted === "string" && !Number.isNaN(Date.parse(submitted)) ? new Date(submitted).toISOString() : null;
  return {
    email,
    firstName,
    lastName,
    company: pick(fields, FIELD_ALIASES.company, 200),
    companyDomain: pick(fields, FIELD_ALIASES.companyDomain, 253),
    title: pick(fields, FIELD_ALIASES.title, 200),
    phone: pick(fields, FIELD_ALIASES.phone, 40),
    message: pick(fields, FIELD_ALIASES.message, MAX_MESSAGE),
    formName: text(extra.formName ?? fields.formName ?? fields.form, 200),
    pageUrl: text(extra.pageUrl ?? fields.pageUrl, 2000),
    submittedAt,
    externalId: text(extra.externalId, 200),
  };
}

/**
 * The generic payload (JSON object):
 *   { "type": "form.submission", "email": "…", "name" | "firstName"/"lastName", "company",
 *     "companyDomain", "title", "phone", "message", "formName", "pageUrl", "submittedAt" }
 * `type` may be left out (a form submission); fields may also sit under "fields".
 */
export function parseGenericPayload(body: unknown): InboundItem[] {
  if (!body || typeof body !== "object" || Array.isArray(body)) return [{ kind: "UNSUPPORTED", type: "not a JSON object" }];
  const b = body as Record<string, unknown>;
  const type = typeof b.type === "string" ? b.type.slice(0, 100) : "form.submission";
  if (type !== "form.submission" && type !== "form_submission") return [{ kind: "UNSUPPORTED", type }];
  const fields = b.fields ? { ...b, ...flattenFields(b.fields) } : b;
  const form = formFromFields(fields, { formName: b.formName ?? b.form, pageUrl: b.pageUrl, submittedAt: b.submittedAt, externalId: b.externalId });
  return form ? [{ kind: "FORM", form }] : [{ kind: "UNSUPPORTED", type: `${type} without an e-mail address` }];
}

function objectTypeOf(subscriptionType: string): CrmChange["objectType"] {
  const prefix = subscriptionType.split(".")[0];
  return prefix === "contact" || prefix === "company" || prefix === "deal" ? prefix : "other";
}

/**
 * HubSpot bodies: an array of webhook events (`subscriptionType`, `objectId`,
 * `eventId`, `portalId`, `occurredAt`, `propertyName`/`propertyValue`), or one
 * form submission (`formId`/`formGuid` with `fields` or `values` as
 * `[{ name, value }]`, or a contact's `properties`). A `contact.creation` that
 * carries the contact's properties with an e-mail is a lead as a form is; one
 * without (HubSpot's plain event) is a CRM change for the sync to fetch.
 */
export function parseHubSpotPayload(body: unknown): InboundItem[] {
  if (Array.isArray(body)) {
    return body.slice(0, MAX_ITEMS_PER_DELIVERY).map((raw): InboundItem => {
      if (!raw || typeof raw !== "object") return { kind: "UNSUPPORTED", type: "not an event object" };
      const e = raw as Record<string, unknown>;
      const subscriptionType = text(e.subscriptionType, 100);
      if (!subscriptionType) return { kind: "UNSUPPORTED", type: "event without subscriptionType" };
      if (subscriptionType === "contact.creation" && e.properties) {
        const form = formFromFields(flattenFields(e.properties), { externalId: e.objectId, submittedAt: e.occurredAt, formName: "HubSpot contact" });
        if (form) return { kind: "FORM", form };
      }
      return {
        kind: "CRM_CHANGE",
        change: {
          objectType: objectTypeOf(subscriptionType),
          subscriptionType,
          objectId: text(e.objectId, 100),
          propertyName: text(e.propertyName, 200),
          propertyValue: text(e.propertyValue, 1000),
          occurredAt: typeof e.occurredAt === "number" ? new Date(e.occurredAt).toISOString() : null,
          eventId: text(e.eventId, 100),
          portalId: text(e.portalId, 100),
        },
      };
    });
  }
  if (!body || typeof body !== "object") return [{ kind: "UNSUPPORTED", type: "not JSON" }];
  const b = body as Record<string, unknown>;
  const fields = flattenFields(b.fields ?? b.values ?? b.properties ?? b.submissionValues);
  const form = formFromFields(fields, {
    formName: b.formName ?? b.formId ?? b.formGuid,
    pageUrl: b.pageUrl ?? (b.context as { pageUri?: unknown } | undefined)?.pageUri,
    submittedAt: b.submittedAt,
    externalId: b.vid ?? b.objectId ?? b.contactId,
  });
  return form ? [{ kind: "FORM", form }] : [{ kind: "UNSUPPORTED", type: "HubSpot payload without events or an e-mail address" }];
}

/** HubSpot sends no delivery id: its events' ids are the replay key (a retry carries the same events), else the body. */
export function hubspotDeliveryId(body: unknown, bodyHash: string): string {
  if (Array.isArray(body)) {
    const ids = body.map((e) => (e && typeof e === "object" ? (e as { eventId?: unknown }).eventId : undefined)).filter((v) => typeof v === "number" || typeof v === "string");
    if (ids.length === body.length && ids.length > 0) return `hs-events:${contentHash(ids.map(String).sort().join(","))}`;
  }
  return `hs-body:${bodyHash}`;
}

/** The lead input (domain/lead.ts leadInputSchema's shape) a form submission becomes. */
export function leadInputOfForm(form: FormSubmission, kind: InboundWebhookKind): Record<string, unknown> {
  const source = kind === "HUBSPOT" ? "hubspot_form" : "web_form";
  return {
    email: form.email,
    ...(form.firstName ? { firstName: form.firstName } : {}),
    ...(form.lastName ? { lastName: form.lastName } : {}),
    ...(form.title ? { title: form.title } : {}),
    ...(form.phone ? { phone: form.phone } : {}),
    ...(form.company ? { companyName: form.company } : {}),
    ...(form.companyDomain ? { companyDomain: form.companyDomain.replace(/^https?:\/\//i, "").split("/")[0] } : {}),
    ...(form.externalId && kind === "HUBSPOT" ? { externalId: form.externalId, externalSystem: "hubspot" } : {}),
    source,
  };
}
