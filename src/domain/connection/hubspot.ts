// HubSpot ↔ our records: which HubSpot properties become which of our fields,
// who owns each field, the conflict rule, and the tenant's stage mapping
// (HubSpot pipeline/stage → our pipeline stage). Pure: no I/O.
//
// The conflict rule (one rule, documented in the README):
// - Fields owned by HubSpot are always taken from HubSpot when the HubSpot
//   record changed (contact phone; company industry and size; deal amount and
//   close date).
// - Fields owned by us are never written by the inbound sync (contact
//   do-not-contact, seniority, time zone; company lifecycle; everything about
//   leads, scores and drafts).
// - Shared fields (names, titles, owner, country, deal stage) go to the last
//   writer by modification time: when our row changed since the last sync
//   (its updatedAt is past the one recorded right after that sync) and that
//   change is later than HubSpot's modification time, ours is kept; otherwise
//   HubSpot's value is applied.
// - The e-mail address is the identity key: it is set from HubSpot only on a
//   contact that has none, in the canonical form of lead ingest.
import { z } from "zod";
import { parseEmail, normalizeDomain } from "../email.js";
import type { PipelineSettings, Stage } from "../pipeline/pipeline.js";

export const HUBSPOT_SYSTEM = "hubspot";
export const HUBSPOT_SYNC_OBJECTS = ["owners", "companies", "contacts", "deals"] as const;
export type HubspotSyncObject = (typeof HUBSPOT_SYNC_OBJECTS)[number];

export const CONTACT_PROPERTIES = ["email", "firstname", "lastname", "jobtitle", "phone", "hubspot_owner_id", "lastmodifieddate"];
export const COMPANY_PROPERTIES = ["name", "domain", "industry", "numberofemployees", "country", "hubspot_owner_id", "hs_lastmodifieddate"];
export const DEAL_PROPERTIES = ["dealname", "amount", "deal_currency_code", "dealstage", "pipeline", "closedate", "hubspot_owner_id", "hs_lastmodifieddate", "hs_is_closed"];

/** HubSpot's last-modified property per object type (what incremental sync filters and sorts on). */
export function modifiedProperty(type: "contacts" | "companies" | "deals"): string {
  return type === "contacts" ? "lastmodifieddate" : "hs_lastmodifieddate";
}

export type FieldOwner = "HUBSPOT" | "OURS" | "SHARED";

export const FIELD_OWNERSHIP: Record<"Contact" | "Company" | "Deal", Record<string, FieldOwner>> = {
  Contact: { firstName: "SHARED", lastName: "SHARED", title: "SHARED", ownerId: "SHARED", phone: "HUBSPOT", doNotContact: "OURS", seniority: "OURS", timeZone: "OURS" },
  Company: { name: "SHARED", country: "SHARED", ownerId: "SHARED", industry: "HUBSPOT", employeeCount: "HUBSPOT", lifecycle: "OURS" },
  Deal: { name: "SHARED", stage: "SHARED", ownerId: "SHARED", amount: "HUBSPOT", expectedCloseDate: "HUBSPOT" },
};

export interface SyncMark {
  hubspotModifiedAt: Date;
  /** Our row's updatedAt right after the sync last wrote it. */
  localUpdatedAt: Date;
}

/**
 * Which of the candidate changes to apply. `localUpdatedAt`: our row's
 * updatedAt now; `mark`: what the last sync recorded (null: never synced).
 * Returns the changes to apply and the shared fields where our newer value was kept.
 */
export function resolveConflict<T extends Record<string, unknown>>(
  entity: "Contact" | "Company" | "Deal",
  candidate: T,
  current: Partial<Record<keyof T, unknown>>,
  input: { hubspotModifiedAt: Date; localUpdatedAt: Date; mark: SyncMark | null },
): { apply: Partial<T>; keptLocal: string[] } {
  const ownership = FIELD_OWNERSHIP[entity];
  const localChanged = input.mark ? input.localUpdatedAt.getTime() > input.mark.localUpdatedAt.getTime() : true;
  const localWins = localChanged && input.localUpdatedAt.getTime() > input.hubspotModifiedAt.getTime();
  const apply: Partial<T> = {};
  const keptLocal: string[] = [];
  for (const [field, value] of Object.entries(candidate) as [keyof T & string, unknown][]) {
    const owner = ownership[field] ?? "SHARED";
    if (owner === "OURS") continue;
    if (same(current[field], value)) continue;
    // Never blank out a value of ours with HubSpot's empty one on a record HubSpot never owned.
    if (value === null && !input.mark) continue;
    if (owner === "SHARED" && localWins && current[field] !== null && current[field] !== undefined) {
      keptLocal.push(field);
      continue;
    }
    (apply as Record<string, unknown>)[field] = value;
  }
  return { apply, keptLocal };
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a !== null && b !== null && typeof a === "object" && "toString" in a && typeof b !== "object") return String(a) === String(b);
  return a === b;
}

const text = (v: string | null | undefined, max = 200): string | null => {
  const t = (v ?? "").trim();
  return t ? t.slice(0, max) : null;
};

export interface ContactFields {
  email: { normalized: string; original: string; domain: string } | null;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  phone: string | null;
  hubspotOwnerId: string | null;
}

export function contactFields(p: Record<string, string | null>): ContactFields {
  const parsed = p.email ? parseEmail(p.email) : null;
  return {
    email: parsed?.ok ? { normalized: parsed.email.normalized, original: parsed.email.original, domain: parsed.email.domain } : null,
    firstName: text(p.firstname),
    lastName: text(p.lastname),
    title: text(p.jobtitle),
    phone: text(p.phone, 50),
    hubspotOwnerId: text(p.hubspot_owner_id, 40),
  };
}

export interface CompanyFields {
  name: string;
  domain: string | null;
  industry: string | null;
  employeeCount: number | null;
  country: string | null;
  hubspotOwnerId: string | null;
}

export function companyFields(p: Record<string, string | null>, hubspotId: string): CompanyFields {
  const domain = p.domain ? normalizeDomain(p.domain) : null;
  const employees = p.numberofemployees ? Number.parseInt(p.numberofemployees, 10) : Number.NaN;
  const country = text(p.country, 2);
  return {
    name: text(p.name) ?? domain ?? `HubSpot company ${hubspotId}`,
    domain,
    industry: text(p.industry, 100),
    employeeCount: Number.isFinite(employees) && employees >= 0 ? employees : null,
    country: country && /^[A-Za-z]{2}$/.test(p.country?.trim() ?? "") ? country.toUpperCase() : null,
    hubspotOwnerId: text(p.hubspot_owner_id, 40),
  };
}

export interface DealFields {
  name: string;
  amount: string;
  currency: string | null;
  pipelineId: string | null;
  stageId: string | null;
  expectedCloseDate: Date | null;
  hubspotOwnerId: string | null;
}

export function dealFields(p: Record<string, string | null>, hubspotId: string): DealFields {
  const amount = Number(p.amount ?? "0");
  const close = p.closedate ? new Date(p.closedate) : null;
  return {
    name: text(p.dealname) ?? `HubSpot deal ${hubspotId}`,
    amount: Number.isFinite(amount) && amount >= 0 ? amount.toFixed(2) : "0.00",
    currency: p.deal_currency_code && /^[A-Z]{3}$/.test(p.deal_currency_code) ? p.deal_currency_code : null,
    pipelineId: text(p.pipeline, 100),
    stageId: text(p.dealstage, 100),
    expectedCloseDate: close && !Number.isNaN(close.getTime()) ? close : null,
    hubspotOwnerId: text(p.hubspot_owner_id, 40),
  };
}

// ---- stage mapping ---------------------------------------------------------

export const stageMappingSchema = z
  .array(
    z.object({
      pipelineId: z.string().trim().min(1).max(100),
      stageId: z.string().trim().min(1).max(100),
      stage: z.string().trim().min(1).max(100),
    }),
  )
  .max(500);
export type StageMapping = z.infer<typeof stageMappingSchema>;

/** Problems with a mapping for the tenant's pipeline: unknown stages of ours, one HubSpot stage mapped twice. */
export function stageMappingErrors(mappings: StageMapping, pipeline: Pick<PipelineSettings, "stages">): { index: number; field: "stage" | "stageId"; message: string }[] {
  const ours = new Set(pipeline.stages.map((s) => s.key));
  const seen = new Set<string>();
  const errors: { index: number; field: "stage" | "stageId"; message: string }[] = [];
  mappings.forEach((m, index) => {
    if (!ours.has(m.stage)) errors.push({ index, field: "stage", message: `"${m.stage}" is not a stage of this tenant's pipeline.` });
    const key = `${m.pipelineId}\u0000${m.stageId}`;
    if (seen.has(key)) errors.push({ index, field: "stageId", message: `HubSpot stage ${m.pipelineId}/${m.stageId} is mapped more than once.` });
    seen.add(key);
  });
  return errors;
}

/**
 * Our stage for a HubSpot deal stage: the tenant's mapping; unmapped, HubSpot's
 * built-in closedwon/closedlost go to our WON/LOST stage; anything else is
 * null (a new deal then starts in the first open stage; an existing one keeps its stage).
 */
export function mapStage(mappings: StageMapping, stages: Stage[], pipelineId: string | null, stageId: string | null): Stage | null {
  if (!stageId) return null;
  const mapped = mappings.find((m) => m.stageId === stageId && (m.pipelineId === pipelineId || (!pipelineId && m.pipelineId === "default")));
  if (mapped) return stages.find((s) => s.key === mapped.stage) ?? null;
  if (stageId === "closedwon") return stages.find((s) => s.kind === "WON") ?? null;
  if (stageId === "closedlost") return stages.find((s) => s.kind === "LOST") ?? null;
  return null;
}

// ---- outbound: our changes → HubSpot ------------------------------------------
//
// What goes out (src/orchestration/connection/hubspot-push.ts):
// - a lead's status → its HubSpot contact's `lifecyclestage` and `hs_lead_status`.
//   Both are owned by us (the inbound sync never reads them). HubSpot refuses to
//   move a lifecycle stage backwards through the API, so it only ever moves forward here.
// - a deal's stage (through the stage mapping reversed), name and owner: shared
//   fields, pushed only when our change is the last writer (our row changed
//   since the last sync and later than HubSpot's modification time).
// - never: HubSpot-owned fields (deal amount and close date, contact phone…).

/** HubSpot's default lifecycle stages, in their forward order. */
export const LIFECYCLE_ORDER = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"] as const;

export type OurLeadStatus = "NEW" | "WORKING" | "QUALIFIED" | "DISQUALIFIED" | "CONVERTED";

/** Our lead status as HubSpot contact properties (lifecycle stage null: leave it as it is). */
export function leadStatusToHubspot(status: OurLeadStatus): { lifecyclestage: string | null; hs_lead_status: string } {
  switch (status) {
    case "NEW":
      return { lifecyclestage: "lead", hs_lead_status: "NEW" };
    case "WORKING":
      return { lifecyclestage: "lead", hs_lead_status: "IN_PROGRESS" };
    case "QUALIFIED":
      return { lifecyclestage: "salesqualifiedlead", hs_lead_status: "CONNECTED" };
    case "CONVERTED":
      return { lifecyclestage: "opportunity", hs_lead_status: "OPEN_DEAL" };
    case "DISQUALIFIED":
      return { lifecyclestage: null, hs_lead_status: "UNQUALIFIED" };
  }
}

/** May the lifecycle stage go from `current` to `next`? Only forward (or from an unknown/custom stage). */
export function lifecycleMovesForward(current: string | null | undefined, next: string): boolean {
  if (!current) return true;
  const from = LIFECYCLE_ORDER.indexOf(current as (typeof LIFECYCLE_ORDER)[number]);
  const to = LIFECYCLE_ORDER.indexOf(next as (typeof LIFECYCLE_ORDER)[number]);
  if (from < 0) return false; // a custom stage someone set in HubSpot: not ours to overwrite
  return to > from;
}

/**
 * The HubSpot pipeline/stage for one of our stages: the stage mapping read
 * backwards. The deal's current HubSpot stage is kept when it already maps to
 * ours; otherwise the first mapping to our stage in the deal's HubSpot
 * pipeline; unmapped, our WON/LOST stage goes to HubSpot's built-in
 * closedwon/closedlost of the default pipeline. Null: nothing to write.
 */
export function reverseStage(
  mappings: StageMapping,
  stages: Stage[],
  ourStage: string,
  current: { pipelineId: string | null; stageId: string | null },
): { pipelineId: string; stageId: string } | null {
  const stage = stages.find((s) => s.key === ourStage);
  if (!stage) return null;
  if (current.stageId && mapStage(mappings, stages, current.pipelineId, current.stageId)?.key === ourStage) {
    return { pipelineId: current.pipelineId ?? "default", stageId: current.stageId };
  }
  const pipeline = current.pipelineId ?? "default";
  const inPipeline = mappings.find((m) => m.stage === ourStage && m.pipelineId === pipeline);
  if (inPipeline) return { pipelineId: inPipeline.pipelineId, stageId: inPipeline.stageId };
  if (pipeline === "default" && stage.kind === "WON") return { pipelineId: "default", stageId: "closedwon" };
  if (pipeline === "default" && stage.kind === "LOST") return { pipelineId: "default", stageId: "closedlost" };
  return null;
}

/** Our events that may change what HubSpot should know, and the record to push or the engagement to log. */
export function hubspotWorkFor(event: { type: string; payload: Record<string, unknown> }): { kind: "PUSH" | "ENGAGEMENT"; sourceType: string; sourceId: string }[] {
  const id = (k: string) => (typeof event.payload[k] === "string" ? (event.payload[k] as string) : null);
  const out: { kind: "PUSH" | "ENGAGEMENT"; sourceType: string; sourceId: string }[] = [];
  const push = (sourceType: string, sourceId: string | null) => sourceId && out.push({ kind: "PUSH", sourceType, sourceId });
  const log = (sourceType: string, sourceId: string | null) => sourceId && out.push({ kind: "ENGAGEMENT", sourceType, sourceId });
  switch (event.type) {
    case "sales.lead.created":
    case "sales.lead.updated":
    case "sales.lead.qualified":
    case "sales.lead.disqualified":
      push("Lead", id("leadId"));
      break;
    case "sales.lead.converted":
      push("Lead", id("leadId"));
      push("Deal", id("dealId"));
      break;
    case "sales.deal.created":
    case "sales.deal.updated":
    case "sales.deal.closed":
      push("Deal", id("dealId"));
      break;
    case "sales.draft.sent":
      log("Draft", id("draftId"));
      break;
    case "sales.activity.logged":
      log("Activity", id("activityId"));
      break;
    case "sales.recommendation.accepted":
      log("Recommendation", id("recommendationId"));
      break;
    case "sales.meeting.booked":
      log("MeetingBooking", id("bookingId"));
      break;
  }
  return out;
}

// ---- creating our records in HubSpot ------------------------------------------------
//
// A lead's contact, its company and a deal of ours with no HubSpot counterpart
// are created there only when the tenant turns it on (all off by default: a
// tenant's CRM is its system of record, and records appearing in it are a
// decision). Before creating, HubSpot is searched by the identity key — the
// canonical e-mail (contacts), the domain (companies) — so an existing record
// is linked instead, never duplicated; deals carry our id in a custom property.

export const hubspotCreateSettingsSchema = z
  .object({ createContacts: z.boolean(), createCompanies: z.boolean(), createDeals: z.boolean() })
  .strict();
export type HubspotCreateSettings = z.infer<typeof hubspotCreateSettingsSchema>;

/**
 * Problems with the create settings: a deal is created in a HubSpot stage, so
 * every open stage of ours needs a mapped HubSpot stage (WON/LOST fall back to
 * closedwon/closedlost).
 */
export function createSettingsErrors(settings: HubspotCreateSettings, mappings: StageMapping, stages: Stage[]): { field: keyof HubspotCreateSettings; message: string }[] {
  if (!settings.createDeals) return [];
  const unmapped = stages.filter((s) => !creationStage(mappings, stages, s.key)).map((s) => s.key);
  return unmapped.length
    ? [{ field: "createDeals", message: `Deals can only be created in HubSpot once every open stage has a HubSpot stage (hubspotStageMappingUpdate); unmapped: ${unmapped.join(", ")}.` }]
    : [];
}

/** The HubSpot pipeline/stage a new deal in our stage is created in: a mapping (default pipeline first), else closedwon/closedlost. */
export function creationStage(mappings: StageMapping, stages: Stage[], ourStage: string): { pipelineId: string; stageId: string } | null {
  const stage = stages.find((s) => s.key === ourStage);
  if (!stage) return null;
  const mapped = mappings.find((m) => m.stage === ourStage && m.pipelineId === "default") ?? mappings.find((m) => m.stage === ourStage);
  if (mapped) return { pipelineId: mapped.pipelineId, stageId: mapped.stageId };
  return reverseStage(mappings, stages, ourStage, { pipelineId: null, stageId: null });
}

/** The id HubSpot names when it refuses a second contact with an e-mail it has ("Contact already exists. Existing ID: 123"). */
export function existingContactIdOf(error: unknown): string | null {
  const response = (error as { response?: { status?: number; data?: { message?: unknown } } } | null)?.response;
  if (response?.status !== 409 || typeof response.data?.message !== "string") return null;
  return /Existing ID:\s*(\d{1,20})/.exec(response.data.message)?.[1] ?? null;
}
