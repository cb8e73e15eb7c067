// The pure rules of inbound webhooks: the generic signature (window, both
// secrets during a rotation, several signatures, constant-time comparison of
// equal-length and unequal-length values), rotation, the replay key of
// HubSpot deliveries, and the payload shapes mapped to one form submission.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  flattenFields,
  generateInboundSecret,
  generatePublicId,
  hubspotDeliveryId,
  leadInputOfForm,
  looksLikePublicId,
  parseGenericPayload,
  parseHubSpotPayload,
  rotateInboundSecrets,
  safeEqual,
  validSecrets,
  verifyGeneric,
} from "../../../src/domain/inbound/inbound-webhook.js";
import { hubspotV3Signature, verifyHubSpotV3 } from "../../../src/integrations/inbound-webhook/hubspot-signature.js";

const now = new Date("2026-12-07T10:00:00Z");
const ts = String(Math.floor(now.getTime() / 1000));
const sign = (secret: string, timestamp: string, body: string) => `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;

describe("generic signature", () => {
  const body = Buffer.from('{"email":"a@b.example"}');
  const verify = (secrets: string[], signature: string | undefined, timestamp: string | undefined = ts, b = body) =>
    verifyGeneric({ secrets, timestamp, signature, body: b, now, toleranceSeconds: 300 });

  it("accepts the right signature, refuses a tampered body, a wrong secret and missing headers", () => {
    expect(verify(["s1"], sign("s1", ts, body.toString()))).toEqual({ ok: true });
    expect(verify(["s1"], sign("s1", ts, body.toString()), ts, Buffer.from('{"email":"x@b.example"}'))).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
    expect(verify(["s1"], sign("s2", ts, body.toString()))).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
    expect(verify(["s1"], undefined)).toEqual({ ok: false, reason: "MISSING_HEADERS" });
    expect(verify(["s1"], sign("s1", ts, body.toString()), "12.5")).toEqual({ ok: false, reason: "MISSING_HEADERS" });
    expect(verify(["s1"], "sha256=abc")).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
  });

  it("the timestamp is part of what is signed, and must be within the window either way", () => {
    const old = String(Number(ts) - 301);
    expect(verify(["s1"], sign("s1", old, body.toString()), old)).toEqual({ ok: false, reason: "STALE" });
    const future = String(Number(ts) + 301);
    expect(verify(["s1"], sign("s1", future, body.toString()), future)).toEqual({ ok: false, reason: "STALE" });
    const edge = String(Number(ts) - 300);
    expect(verify(["s1"], sign("s1", edge, body.toString()), edge)).toEqual({ ok: true });
    // A signature for another timestamp does not hold with this one.
    expect(verify(["s1"], sign("s1", edge, body.toString()), ts)).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
  });

  it("any valid secret, any of several signatures", () => {
    expect(verify(["new", "old"], sign("old", ts, body.toString()))).toEqual({ ok: true });
    expect(verify(["new", "old"], `${sign("x", ts, body.toString())} ${sign("new", ts, body.toString())}`)).toEqual({ ok: true });
  });

  it("rotation keeps the previous secret until its time ends; 0 s ends it at once", () => {
    const rotated = rotateInboundSecrets({ current: "a" }, "b", now, 60);
    expect(validSecrets(rotated, now)).toEqual(["b", "a"]);
    expect(validSecrets(rotated, new Date(now.getTime() + 60_000))).toEqual(["b"]);
    expect(validSecrets(rotateInboundSecrets(rotated, "c", now, 0), now)).toEqual(["c"]);
    // A second rotation drops the secret before the last one.
    expect(validSecrets(rotateInboundSecrets(rotated, "c", now, 60), now)).toEqual(["c", "b"]);
  });

  it("safeEqual", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });

  it("ids and secrets are random and well-formed", () => {
    const ids = new Set(Array.from({ length: 100 }, generatePublicId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(looksLikePublicId(id)).toBe(true);
    expect(looksLikePublicId("demo-sales-co")).toBe(false);
    expect(generateInboundSecret()).toMatch(/^whin_[A-Za-z0-9_-]{43}$/);
  });
});

describe("HubSpot v3", () => {
  const url = "https://sales.example/hooks/hubspot/abc";
  const body = '[{"eventId":1}]';
  const at = now.getTime();
  const hubspot = (secret: string, u = url, t = at) => createHmac("sha256", secret).update(`POST${u}${body}${t}`).digest("base64");
  const verify = (signature: string, t = at, urls = [url]) =>
    verifyHubSpotV3({ secrets: ["cs"], method: "POST", urls, body: Buffer.from(body), signature, timestamp: String(t), now, toleranceSeconds: 300 });

  it("matches HubSpot's algorithm; refuses another secret, URI or a stale timestamp", () => {
    expect(hubspotV3Signature({ secret: "cs", method: "POST", url, body, timestamp: at })).toBe(hubspot("cs"));
    expect(verify(hubspot("cs"))).toEqual({ ok: true });
    expect(verify(hubspot("other"))).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
    expect(verify(hubspot("cs", `${url}x`))).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
    expect(verify(hubspot("cs", url, at - 301_000), at - 301_000)).toEqual({ ok: false, reason: "STALE" });
    // Any of the URIs the service may be reached by.
    expect(verify(hubspot("cs"), at, ["http://internal:4000/hooks/hubspot/abc", url])).toEqual({ ok: true });
  });

  it("a retry of the same events has the same delivery id; other bodies are keyed by their hash", () => {
    const a = hubspotDeliveryId([{ eventId: 2, attemptNumber: 0 }, { eventId: 1 }], "h1");
    expect(hubspotDeliveryId([{ eventId: 1 }, { eventId: 2, attemptNumber: 1 }], "h2")).toBe(a);
    expect(hubspotDeliveryId({ fields: [] }, "h3")).toBe("hs-body:h3");
  });
});

describe("payloads", () => {
  it("the generic form: flat, under fields (object or name/value list), name split, other types ignored", () => {
    const [item] = parseGenericPayload({ email: "Dana@Northwind.example", name: "Dana van Dijk", company: "Northwind", message: "Hi", formName: "Contact" });
    expect(item).toMatchObject({ kind: "FORM", form: { email: "Dana@Northwind.example", firstName: "Dana", company: "Northwind", message: "Hi", formName: "Contact" } });
    expect(parseGenericPayload({ fields: [{ name: "Email", value: "x@y.example" }, { name: "first_name", value: "X" }] })[0]).toMatchObject({ kind: "FORM", form: { email: "x@y.example", firstName: "X" } });
    expect(parseGenericPayload({ type: "invoice.paid", email: "x@y.example" })).toEqual([{ kind: "UNSUPPORTED", type: "invoice.paid" }]);
    expect(parseGenericPayload({ name: "no email" })[0]!.kind).toBe("UNSUPPORTED");
    expect(parseGenericPayload([1, 2])[0]!.kind).toBe("UNSUPPORTED");
  });

  it("HubSpot: events become CRM changes; a contact.creation with properties and a form submission become forms", () => {
    const items = parseHubSpotPayload([
      { eventId: 1, subscriptionType: "deal.propertyChange", objectId: 55, propertyName: "dealstage", propertyValue: "closedwon", occurredAt: now.getTime(), portalId: 9 },
      { eventId: 2, subscriptionType: "contact.creation", objectId: 77, properties: { email: { value: "li@orbital.example" }, firstname: { value: "Li" } } },
      { eventId: 3, subscriptionType: "contact.creation", objectId: 78 },
    ]);
    expect(items[0]).toEqual({
      kind: "CRM_CHANGE",
      change: { objectType: "deal", subscriptionType: "deal.propertyChange", objectId: "55", propertyName: "dealstage", propertyValue: "closedwon", occurredAt: now.toISOString(), eventId: "1", portalId: "9" },
    });
    expect(items[1]).toMatchObject({ kind: "FORM", form: { email: "li@orbital.example", firstName: "Li", externalId: "77" } });
    expect(items[2]).toMatchObject({ kind: "CRM_CHANGE", change: { objectType: "contact", objectId: "78" } });
    const submission = parseHubSpotPayload({ formGuid: "f-1", submittedAt: now.getTime(), fields: [{ name: "email", value: "p@q.example" }, { name: "message", value: "Call me" }] });
    expect(submission[0]).toMatchObject({ kind: "FORM", form: { email: "p@q.example", message: "Call me", formName: "f-1", submittedAt: now.toISOString() } });
  });

  it("flattenFields and the lead input", () => {
    expect(flattenFields({ a: { value: "1" }, b: "2" })).toEqual({ a: "1", b: "2" });
    const input = leadInputOfForm(
      { email: "a@b.example", firstName: "A", lastName: null, company: "B", companyDomain: "https://b.example/about", title: null, phone: null, message: null, formName: null, pageUrl: null, submittedAt: null, externalId: "9" },
      "HUBSPOT",
    );
    expect(input).toEqual({ email: "a@b.example", firstName: "A", companyName: "B", companyDomain: "b.example", externalId: "9", externalSystem: "hubspot", source: "hubspot_form" });
  });
});
