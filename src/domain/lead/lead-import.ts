// Turning an import (CSV text or JSON rows) into lead inputs: header names
// are matched loosely (case, spaces, common synonyms), known columns fill
// lead fields, every other column is kept as a custom attribute.
import { parse } from "csv-parse/sync";
import { MAX_IMPORT_ROWS } from "./lead.js";
import { RESERVED_KEYS, unstorableText, valueProblem } from "../draft/safe-text.js";

/** Canonical header (lower-case, non-alphanumerics as "_") → the lead field it fills. */
const COLUMN_ALIAS_TABLE: Record<string, string> = {
  email: "email",
  e_mail: "email",
  email_address: "email",
  first_name: "firstName",
  firstname: "firstName",
  given_name: "firstName",
  last_name: "lastName",
  lastname: "lastName",
  surname: "lastName",
  family_name: "lastName",
  name: "fullName",
  full_name: "fullName",
  title: "title",
  job_title: "title",
  seniority: "seniority",
  phone: "phone",
  phone_number: "phone",
  time_zone: "timeZone",
  timezone: "timeZone",
  do_not_contact: "doNotContact",
  dnc: "doNotContact",
  company: "companyName",
  company_name: "companyName",
  organization: "companyName",
  organisation: "companyName",
  account: "companyName",
  company_domain: "companyDomain",
  domain: "companyDomain",
  website: "companyDomain",
  industry: "industry",
  lifecycle: "companyLifecycle",
  company_lifecycle: "companyLifecycle",
  employee_count: "employeeCount",
  employees: "employeeCount",
  company_size: "employeeCount",
  country: "country",
  source: "source",
  lead_source: "source",
  external_id: "externalId",
  crm_id: "externalId",
  external_system: "externalSystem",
  owner_email: "ownerEmail",
  owner: "ownerEmail",
  owner_id: "ownerId",
  outcome: "outcome",
  converted: "outcome",
  deal_name: "deal.name",
  deal_stage: "deal.stage",
  stage: "deal.stage",
  deal_amount: "deal.amount",
  amount: "deal.amount",
  deal_currency: "deal.currency",
  currency: "deal.currency",
  expected_close_date: "deal.expectedCloseDate",
  deal_expected_close_date: "deal.expectedCloseDate",
};
// A Map: a header named like a built-in ("constructor", "toString") must not find Object.prototype's members.
const COLUMN_ALIASES: ReadonlyMap<string, string> = new Map(Object.entries(COLUMN_ALIAS_TABLE));

export function canonicalHeader(header: string): string {
  return header
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

export type ImportSource = { ok: true; rows: Record<string, unknown>[] } | { ok: false; message: string; field: string[] };

/** Parses CSV text (header row first) into records of strings. */
export function parseCsvRows(csv: string): ImportSource {
  let records: Record<string, string>[];
  try {
    records = parse(csv, {
      columns: (header: string[]) => header.map((h) => h.trim()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: false,
      // One row more than allowed, so an oversized file is refused rather than cut.
      to: MAX_IMPORT_ROWS + 1,
    }) as Record<string, string>[];
  } catch (error) {
    return { ok: false, message: `The CSV could not be read: ${(error as Error).message}`, field: ["input", "csv"] };
  }
  // A header is every row's: a bad one refuses the file, naming the column.
  const headers = records.length ? Object.keys(records[0]!) : [];
  for (const header of headers) {
    const why = unstorableText(header);
    if (why) return { ok: false, message: `A column name ${why}.`, field: ["input", "csv"] };
    if (RESERVED_KEYS.has(header) || RESERVED_KEYS.has(canonicalHeader(header))) {
      return { ok: false, message: `The column name "${header}" is reserved; rename the column.`, field: ["input", "csv"] };
    }
  }
  return { ok: true, rows: records };
}

/**
 * Why one import row cannot be stored, with the path inside the row: text
 * PostgreSQL cannot hold (NUL, lone surrogates), keys named like built-ins,
 * nesting too deep. The row is rejected on its own; the other rows go on.
 */
export function importRowProblem(record: Record<string, unknown>): { message: string; path: string[] } | null {
  const problem = valueProblem(record);
  return problem ? { message: `${problem.path.join(".") || "row"} ${problem.message}`, path: problem.path } : null;
}

/**
 * Maps one import record (CSV strings or JSON values) onto the lead input
 * shape. Empty cells are left out; unknown columns become attributes.
 */
export function recordToLeadInput(record: Record<string, unknown>): Record<string, unknown> {
  // Objects without a prototype: no key, whatever its name, can reach Object.prototype.
  const input: Record<string, unknown> = Object.create(null);
  const deal: Record<string, unknown> = Object.create(null);
  const objectOf = (v: unknown): Record<string, unknown> =>
    Object.assign(Object.create(null), v && typeof v === "object" && !Array.isArray(v) ? v : {});
  const attributes = objectOf(record.attributes);
  const companyAttributes = objectOf(record.companyAttributes);
  for (const [header, value] of Object.entries(record)) {
    if (header === "attributes" || header === "companyAttributes") continue;
    if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) continue;
    if (header === "deal" && typeof value === "object" && !Array.isArray(value)) {
      Object.assign(deal, value);
      continue;
    }
    const key = canonicalHeader(header);
    const field = COLUMN_ALIASES.get(key);
    // Other "company_…" columns describe the company (company_stage → its attribute "stage").
    if (!field && key.startsWith("company_") && key.length > 8) companyAttributes[key.slice(8)] = value;
    else if (!field) attributes[key] = value;
    else if (field.startsWith("deal.")) deal[field.slice(5)] = value;
    else if (field === "fullName") {
      const [first, ...rest] = String(value).trim().split(/\s+/);
      input.firstName ??= first;
      if (rest.length) input.lastName ??= rest.join(" ");
    } else input[field] = value;
  }
  if (Object.keys(attributes).length) input.attributes = attributes;
  if (Object.keys(companyAttributes).length) input.companyAttributes = companyAttributes;
  if (Object.keys(deal).length) input.deal = deal;
  return input;
}
