// Raw RFC 5322 → the plain structure the domain rules read. MIME decoding,
// charsets and encoded words are mailparser's job; report parts that
// mailparser keeps as attachments (feedback reports, returned messages) are
// kept as text so the rules can read their fields.
import type { AddressObject, HeaderValue } from "mailparser";
import { lazyRequire } from "../config/lazy-require.js";
import type { InboundEmail } from "../domain/inbound/inbound-email.js";

const mailparser = lazyRequire<typeof import("mailparser")>("mailparser");

const MACHINE_PARTS = /^(message\/(delivery-status|feedback-report|rfc822|global-delivery-status|global-headers)|text\/rfc822-headers?)$/i;

function unfold(line: string): string {
  return line.replace(/\r?\n[ \t]+/g, " ");
}

function firstAddress(value: AddressObject | AddressObject[] | undefined): { address: string | null; name: string | null } {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const first = list.flatMap((a) => a.value)[0];
  return { address: first?.address?.toLowerCase() ?? null, name: first?.name?.trim() || null };
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((a) => a.value).flatMap((a) => (a.address ? [a.address.toLowerCase()] : []));
}

function contentTypeOf(value: HeaderValue | undefined): { type: string; reportType: string | null } {
  if (value && typeof value === "object" && "value" in value) {
    const structured = value as { value: string; params?: Record<string, string> };
    return { type: structured.value.toLowerCase(), reportType: structured.params?.["report-type"]?.toLowerCase() ?? null };
  }
  return { type: typeof value === "string" ? value.toLowerCase() : "text/plain", reportType: null };
}

/** Parses a raw message (string or bytes) into the structure the inbound rules use. */
export async function parseRawEmail(raw: string | Buffer): Promise<InboundEmail> {
  const mail = await mailparser().simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  // No prototype: a header named "constructor" or "__proto__" is just a header.
  const headers: Record<string, string[]> = Object.create(null);
  for (const { key, line } of mail.headerLines) {
    const value = unfold(line).replace(/^[^:]*:\s?/, "");
    (headers[key.toLowerCase()] ??= []).push(value);
  }
  // Encoded words (=?UTF-8?B?…?=) decoded by mailparser where it parsed the header.
  for (const [key, value] of mail.headers) {
    if (typeof value === "string" && headers[key]) headers[key] = [value, ...headers[key]!.slice(1)];
  }
  const { type, reportType } = contentTypeOf(mail.headers.get("content-type"));
  const parts = mail.attachments
    .filter((a) => MACHINE_PARTS.test(a.contentType))
    .map((a) => ({ contentType: a.contentType.toLowerCase(), text: a.content.toString("utf8") }));
  const text = mail.text?.trim() ? mail.text : mail.html ? htmlToText(mail.html) : "";
  return {
    from: firstAddress(mail.from),
    to: addresses(mail.to),
    subject: mail.subject ?? "",
    date: messageDate(headers.date?.[0]),
    headers,
    contentType: type,
    reportType,
    text,
    parts,
  };
}

// Zone abbreviations seen in real Date headers that Date.parse does not know.
const ZONES: Record<string, string> = { JST: "+0900", KST: "+0900", CET: "+0100", CEST: "+0200", EET: "+0200", EEST: "+0300", BST: "+0100", IST: "+0530", AEST: "+1000", AEDT: "+1100", MSK: "+0300", HKT: "+0800", SGT: "+0800" };

/**
 * The Date header as ISO 8601, or null. Not mailparser's date: it substitutes
 * "now" for a missing or unreadable header, which would make the analysis of
 * the same message differ from run to run.
 */
export function messageDate(value: string | undefined): string | null {
  if (!value) return null;
  const cleaned = value.replace(/\s*\([^)]*\)\s*$/, "").replace(/\b([A-Z]{3,4})$/, (zone) => ZONES[zone] ?? zone);
  const t = Date.parse(cleaned);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, "\n")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/[ \t]+/g, " ")
    .replace(/\n\s*\n+/g, "\n\n")
    .trim();
}

/** A message given as fields (API ingest without the raw source). */
export function emailFromFields(input: {
  from: string;
  fromName?: string | null;
  to?: string[];
  subject?: string;
  text: string;
  sentAt?: string | null;
  headers?: Record<string, string>;
}): InboundEmail {
  const headers: Record<string, string[]> = Object.create(null);
  for (const [k, v] of Object.entries(input.headers ?? {})) (headers[k.toLowerCase()] ??= []).push(v);
  return {
    from: { address: input.from.toLowerCase(), name: input.fromName ?? null },
    to: (input.to ?? []).map((t) => t.toLowerCase()),
    subject: input.subject ?? "",
    date: input.sentAt ?? null,
    headers,
    contentType: "text/plain",
    reportType: null,
    text: input.text,
    parts: [],
  };
}
