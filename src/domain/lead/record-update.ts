// Edits a person makes to a contact, company or lead (contactUpdate,
// companyUpdate, leadUpdate). Unlike an ingest, which never erases what is
// known, an edit is explicit: a value replaces, null (or an empty string)
// clears, an absent field stays as it is. Custom attributes are patched key by
// key, and null removes a key. Every change is reported (old and new) so the
// audit entry keeps both.
import { z } from "zod";
import { domainKind, normalizeDomain, parseEmail } from "../email.js";
import { attributesWithinLimits, countryCode, sameValue, type FieldChange, type LeadStatus } from "./lead.js";
import { RESERVED_KEYS } from "../draft/safe-text.js";
import { COMPANY_LIFECYCLES, SENIORITIES } from "../scoring/settings.js";
import { timeZone } from "../tenant/tenant.js";
import { userError, type UserError } from "../user-error.js";

/** Text a person may clear: "" and null both mean "no value". */
const clearableText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .transform((v) => (v === "" ? null : v))
    .nullable()
    .optional();

/** A patch of custom attributes: a value sets the key, null removes it. */
export const attributesPatchSchema = z
  .record(z.string().min(1).max(64, "attribute names are at most 64 characters"), z.unknown())
  .refine((a) => Object.keys(a).length <= 100, "must have at most 100 keys")
  .optional();

const email = z
  .string()
  .transform((v, ctx) => {
    const parsed = parseEmail(v);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.reason });
      return z.NEVER;
    }
    return parsed.email;
  })
  .optional();

export const contactPatchSchema = z.object({
  email,
  firstName: clearableText(100),
  lastName: clearableText(100),
  title: clearableText(200),
  seniority: z.enum(SENIORITIES).optional(),
  phone: clearableText(40),
  timeZone: timeZone.nullable().optional(),
  doNotContact: z.boolean().optional(),
  attributes: attributesPatchSchema,
});
export type ContactPatch = z.infer<typeof contactPatchSchema>;

const companyDomain = z.string().transform((v, ctx) => {
  const d = normalizeDomain(v);
  if (!d) {
    ctx.addIssue({ code: "custom", message: "must be a domain name such as acme.com" });
    return z.NEVER;
  }
  // Free-mail and disposable domains say nothing about an employer; matching ignores them.
  if (domainKind(d) !== "COMPANY") {
    ctx.addIssue({ code: "custom", message: `${d} is a free-mail or disposable domain and cannot identify a company` });
    return z.NEVER;
  }
  return d;
});

export const companyPatchSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters").optional(),
  industry: clearableText(100),
  employeeCount: z.number().int("must be a whole number").min(0, "must not be negative").max(10_000_000).nullable().optional(),
  country: countryCode.nullable().optional(),
  lifecycle: z.enum(COMPANY_LIFECYCLES).optional(),
  addDomains: z.array(companyDomain).max(20, "at most 20 at a time").optional(),
  removeDomains: z.array(z.string().transform((v) => normalizeDomain(v) ?? v.trim().toLowerCase())).max(20, "at most 20 at a time").optional(),
  attributes: attributesPatchSchema,
});
export type CompanyPatch = z.infer<typeof companyPatchSchema>;

export const leadPatchSchema = z.object({
  source: z.string().trim().min(1, "must not be empty").max(60, "must be at most 60 characters").optional(),
  status: z.enum(["NEW", "WORKING", "QUALIFIED", "DISQUALIFIED", "CONVERTED"]).optional(),
  outcome: z.enum(["CONVERTED", "NOT_CONVERTED"]).nullable().optional(),
  attributes: attributesPatchSchema,
});
export type LeadPatch = z.infer<typeof leadPatchSchema>;

/**
 * The fields of `patch` that differ from `existing`: absent fields are left
 * alone, null clears. Returns the update to write and the changes to audit.
 */
export function diffFields<P extends Record<string, unknown>>(
  existing: object,
  patch: P,
): { update: Partial<P>; changes: Record<string, FieldChange> } {
  const update: Record<string, unknown> = {};
  const changes: Record<string, FieldChange> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const before = (existing as Record<string, unknown>)[key] ?? null;
    if (sameValue(before, value)) continue;
    update[key] = value;
    changes[key] = { from: before, to: value };
  }
  return { update: update as Partial<P>, changes };
}

/** Applies an attributes patch; the result must stay within the size limits. */
export function patchAttributes(
  existing: Record<string, unknown>,
  patch: Record<string, unknown> | undefined,
): { ok: true; attributes: Record<string, unknown>; changes: Record<string, FieldChange> } | { ok: false; message: string } {
  const next = { ...existing };
  const changes: Record<string, FieldChange> = {};
  for (const [key, value] of Object.entries(patch ?? {})) {
    // A key named like a built-in would read Object.prototype's member (or, as __proto__, replace the prototype).
    if (RESERVED_KEYS.has(key)) return { ok: false, message: `the attribute name "${key}" is reserved` };
    const before = Object.hasOwn(existing, key) ? existing[key] : undefined;
    if (value === null || value === undefined) {
      if (!Object.hasOwn(existing, key)) continue;
      delete next[key];
      changes[key] = { from: before, to: null };
    } else if (!sameValue(before, value)) {
      next[key] = value;
      changes[key] = { from: before ?? null, to: value };
    }
  }
  const tooBig = attributesWithinLimits(next);
  return tooBig ? { ok: false, message: tooBig } : { ok: true, attributes: next, changes };
}

/**
 * A status a person may set directly on a lead. Only WORKING: qualifying and
 * disqualifying go through leadQualify (which scores the lead and records why),
 * converting through leadConvert (which creates the deal).
 */
export function checkManualLeadStatus(from: LeadStatus, to: LeadStatus, field: string[]): UserError | null {
  if (from === to) return null;
  if (to === "QUALIFIED" || to === "DISQUALIFIED") {
    return userError("INVALID_TRANSITION", `Use leadQualify to make a lead ${to.toLowerCase()}: it scores the lead and records why.`, field);
  }
  if (to === "CONVERTED") return userError("INVALID_TRANSITION", "Use leadConvert to convert a lead: it creates the deal.", field);
  if (to === "NEW") return userError("INVALID_TRANSITION", "A lead cannot go back to new.", field);
  if (from === "CONVERTED") return userError("INVALID_TRANSITION", "A converted lead is final.", field);
  return null;
}

export type RecordEdit<P> =
  | { ok: true; update: Partial<P> & { attributes?: Record<string, unknown> }; changes: Record<string, FieldChange>; changed: boolean }
  | { ok: false; message: string; update: Partial<P> };

/**
 * An edit of a record with custom attributes: the changed fields, the patched
 * attributes (only when they changed), and every change for the audit entry
 * (attribute keys as `attributes.<key>`).
 */
export function planEdit<P extends Record<string, unknown>>(existing: { attributes: unknown }, fields: P, attributes: Record<string, unknown> | undefined): RecordEdit<P> {
  const diff = diffFields(existing, fields);
  const patched = patchAttributes((existing.attributes ?? {}) as Record<string, unknown>, attributes);
  if (!patched.ok) return { ok: false, message: patched.message, update: diff.update };
  const changes = { ...diff.changes };
  for (const [key, change] of Object.entries(patched.changes)) changes[`attributes.${key}`] = change;
  const update: Partial<P> & { attributes?: Record<string, unknown> } = { ...diff.update };
  if (Object.keys(patched.changes).length) update.attributes = patched.attributes;
  return { ok: true, update, changes, changed: Object.keys(changes).length > 0 };
}
