// Lead use cases: ingest one lead, import a batch, a person's edit (owner,
// company, source, outcome, attributes, back to WORKING), qualify (score +
// status), convert into company + contact + deal.
import { withTenant } from "../../data/database.js";
import { isUniqueViolation } from "../../data/database.js";
import { requestSalesStatisticsRefresh } from "../../data/planner-statistics.js";
import { canTransition, leadInputSchema, MAX_IMPORT_ROWS, type LeadInput, type LeadStatus } from "../../domain/lead/lead.js";
import { importRowProblem, parseCsvRows, recordToLeadInput } from "../../domain/lead/lead-import.js";
import { disqualifications } from "../../domain/scoring/disqualification.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { createDealInUnitOfWork, type NewDeal } from "../pipeline/deal.js";
import { ingestLead, type IngestContext, type IngestedLead } from "./lead-ingest.js";
import { IngestLookups } from "./lead-lookups.js";
import { batchWriter, directWriter } from "./lead-writer.js";
import { loadLeadFacts } from "./lead-facts.js";
import { assessLeads, enqueueLeadScoring, hardDisqualifications, loadScoringContext, scoreLeadsInUnitOfWork } from "./lead-scoring.js";
import { checkManualLeadStatus, planEdit, type LeadPatch } from "../../domain/lead/record-update.js";
import type { Prisma } from "../../data/database.js";
import { checkMember } from "../pipeline/deal.js";
import type { Services } from "../services.js";
import { bufferedUnitOfWork, runMutation, type Actor, type BufferedUnitOfWork, type UnitOfWork } from "../unit-of-work.js";

export async function ingestContext(uow: UnitOfWork, defaults: { source: string; system: string }): Promise<IngestContext> {
  const tenant = await uow.tx.tenant.findUniqueOrThrow({ where: { id: uow.actor.principal.tenantId }, select: { settings: true } });
  const settings = readTenantSettings(tenant.settings);
  return {
    pipeline: settings.pipeline,
    defaultCurrency: settings.general.currency,
    defaultSource: defaults.source,
    defaultSystem: defaults.system,
    owners: new Map(),
    lookups: new IngestLookups(uow.tx, uow.actor.principal.tenantId),
    writer: directWriter(uow.tx),
  };
}

/** Two requests creating the same person at once: the loser's unique violation is retried once, and then merges. */
export async function retryOnUniqueViolation<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return fn();
  }
}

export type IngestLeadValue = Omit<IngestedLead, "notes"> & { notes: string[] };

export async function ingestLeadUseCase(services: Services, actor: Actor, input: LeadInput, rawInput: unknown, idempotencyKey?: string | null): Promise<Outcome<IngestLeadValue>> {
  return retryOnUniqueViolation(() =>
    runMutation(services, actor, { operation: "leadIngest", input: rawInput, idempotencyKey }, async (uow) => {
      const ctx = await ingestContext(uow, { source: "api", system: "api" });
      const outcome = await ingestLead(uow, ctx, input, ["input"]);
      if (outcome.ok && outcome.value.result !== "UNCHANGED") await enqueueLeadScoring(services, uow, [outcome.value.leadId]);
      return outcome;
    }),
  );
}

/** Rows whose look-ups are loaded together. */
const IMPORT_CHUNK = 500;

export interface ImportRequest {
  csv?: string | null;
  rows?: unknown[] | null;
  source?: string | null;
  externalSystem?: string | null;
}

export interface ImportRowResult {
  row: number;
  status: "CREATED" | "MERGED" | "UNCHANGED" | "REJECTED";
  leadId: string | null;
  matchedBy: string | null;
  errors: UserError[];
  notes: string[];
}

export interface ImportValue {
  created: number;
  merged: number;
  unchanged: number;
  rejected: number;
  rows: ImportRowResult[];
}

/**
 * Imports up to 10,000 leads. Each row is all-or-nothing on its own: a bad
 * row is rejected with its reasons and leaves no trace (every refusal happens
 * before the row writes anything; a database error undoes the chunk, which is
 * redone with a savepoint per row), and never stops the good rows. The batch
 * runs in one transaction, so with an idempotency key a retried import
 * replays the first result; without one, the same rows again merge
 * (idempotent by external id or e-mail) and create nothing.
 */
export async function importLeads(services: Services, actor: Actor, request: ImportRequest, idempotencyKey?: string | null): Promise<Outcome<ImportValue>> {
  const hasCsv = typeof request.csv === "string";
  const hasRows = Array.isArray(request.rows);
  if (hasCsv === hasRows) {
    return fail(userError("VALIDATION_FAILED", "Give either csv (CSV text with a header row) or rows (JSON objects), not both.", ["input", hasCsv ? "rows" : "csv"]));
  }
  let records: unknown[];
  if (hasCsv) {
    const parsed = parseCsvRows(request.csv!);
    if (!parsed.ok) return fail(userError("VALIDATION_FAILED", parsed.message, parsed.field));
    records = parsed.rows;
  } else records = request.rows!;
  const field = hasCsv ? "csv" : "rows";
  if (records.length === 0) return fail(userError("VALIDATION_FAILED", "The import has no rows.", ["input", field]));
  if (records.length > MAX_IMPORT_ROWS) {
    return fail(userError("VALIDATION_FAILED", `An import takes at most ${MAX_IMPORT_ROWS} rows; split the file.`, ["input", field]));
  }
  const source = request.source?.trim() || "import";
  const system = request.externalSystem?.trim() || "import";

  // Validate every row first: an invalid row never reaches the database.
  const prepared: PreparedRow[] = records.map((record, index) => {
    const path = ["input", "rows", String(index)];
    if (!record || typeof record !== "object" || Array.isArray(record)) {
      return { index, errors: [userError("VALIDATION_FAILED", "A row must be an object.", path)] };
    }
    const unstorable = importRowProblem(record as Record<string, unknown>);
    if (unstorable) return { index, errors: [userError("VALIDATION_FAILED", unstorable.message, [...path, ...unstorable.path])] };
    const parsed = leadInputSchema.safeParse(recordToLeadInput(record as Record<string, unknown>));
    if (!parsed.success) {
      return {
        index,
        errors: parsed.error.issues.map((issue) => {
          const at = issue.path.map(String);
          return userError("VALIDATION_FAILED", `${at.join(".") || "row"} ${issue.message}`, [...path, ...at]);
        }),
      };
    }
    return { index, input: parsed.data };
  });

  const outcome = await runMutation(
    services,
    actor,
    { operation: "leadImport", input: request, idempotencyKey },
    async (outer) => {
      // Audit entries and events are written together at the end (same transaction).
      const uow = bufferedUnitOfWork(outer);
      const ctx = await ingestContext(uow, { source, system });
      const results: ImportRowResult[] = [];
      const toScore = new Set<string>();
      for (let start = 0; start < prepared.length; start += IMPORT_CHUNK) {
        const chunk = prepared.slice(start, start + IMPORT_CHUNK);
        await ctx.lookups.prefetch(
          chunk.flatMap((row) =>
            row.input
              ? [{
                  system: row.input.externalSystem ?? system,
                  externalId: row.input.externalId,
                  email: row.input.email?.normalized,
                  domain: row.input.companyDomain ?? (row.input.email?.domainKind === "COMPANY" ? row.input.email.domain : undefined),
                  companyName: row.input.companyName,
                }]
              : [],
          ),
        );
        // Fast path: the whole chunk under one savepoint. ingestLead refuses a row before writing
        // anything, so a refused row needs no rollback. Only a database error (a concurrent writer
        // taking the same e-mail or id) undoes the chunk, which is then redone row by row.
        const mark = uow.mark();
        await uow.tx.$executeRawUnsafe("SAVEPOINT lead_import_chunk");
        let chunkResults: ImportRowResult[];
        try {
          // New rows of the chunk are written together, one insert per table.
          ctx.writer = batchWriter(uow.tx);
          chunkResults = await importChunk(uow, ctx, chunk, false);
          await ctx.writer.flush();
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          await uow.tx.$executeRawUnsafe("ROLLBACK TO SAVEPOINT lead_import_chunk");
          uow.discardFrom(mark);
          ctx.lookups.clear();
          ctx.writer = directWriter(uow.tx);
          chunkResults = await importChunk(uow, ctx, chunk, true);
        }
        await uow.tx.$executeRawUnsafe("RELEASE SAVEPOINT lead_import_chunk");
        for (const r of chunkResults) {
          results.push(r);
          if (r.leadId && (r.status === "CREATED" || r.status === "MERGED")) toScore.add(r.leadId);
        }
      }
      const count = (status: ImportRowResult["status"]) => results.filter((r) => r.status === status).length;
      const value: ImportValue = { created: count("CREATED"), merged: count("MERGED"), unchanged: count("UNCHANGED"), rejected: count("REJECTED"), rows: results };
      await uow.audit({
        action: "lead.imported",
        targetType: "Tenant",
        targetId: uow.actor.principal.tenantId,
        summary: { format: hasCsv ? "csv" : "json", rows: records.length, created: value.created, merged: value.merged, unchanged: value.unchanged, rejected: value.rejected, source, system },
      });
      await uow.flush();
      await enqueueLeadScoring(services, uow, [...toScore]);
      return ok(value);
    },
    { timeout: 10 * 60_000 },
  );
  // Once committed: the planner learns of the new rows within seconds rather than at autovacuum's next pass, so
  // the lists the importer opens next are planned for their real size. The ANALYZE runs as a job (imports in a
  // row share one), not on this request. Best effort; autovacuum remains the backstop.
  if (outcome.ok && outcome.value.created + outcome.value.merged > 0) {
    await requestSalesStatisticsRefresh(services.jobs, outcome.value.created + outcome.value.merged, services.config.SALES_STATISTICS_DELAY_SECONDS).catch((error: unknown) =>
      services.logger.warn({ err: error instanceof Error ? error.message.slice(0, 200) : String(error) }, "requesting a planner statistics refresh after an import failed"),
    );
  }
  return outcome;
}

type PreparedRow = { index: number; input?: LeadInput; errors?: UserError[] };

/** Imports rows one after the other; with `savepoints`, each row on its own (the slow path after a collision). */
async function importChunk(uow: BufferedUnitOfWork, ctx: IngestContext, chunk: PreparedRow[], savepoints: boolean): Promise<ImportRowResult[]> {
  const results: ImportRowResult[] = [];
  for (const row of chunk) {
    if (!row.input) {
      results.push({ row: row.index, status: "REJECTED", leadId: null, matchedBy: null, errors: row.errors ?? [], notes: [] });
      continue;
    }
    const path = ["input", "rows", String(row.index)];
    const mark = uow.mark();
    if (savepoints) await uow.tx.$executeRawUnsafe("SAVEPOINT lead_import_row");
    let outcome: Outcome<IngestedLead>;
    try {
      outcome = await ingestLead(uow, ctx, row.input, path);
    } catch (error) {
      if (!savepoints || !isUniqueViolation(error)) throw error;
      outcome = fail(userError("CONFLICT", "The row collided with a concurrent change; import it again.", path));
      ctx.lookups.clear();
    }
    if (!outcome.ok) {
      if (savepoints) await uow.tx.$executeRawUnsafe("ROLLBACK TO SAVEPOINT lead_import_row");
      uow.discardFrom(mark);
      results.push({ row: row.index, status: "REJECTED", leadId: null, matchedBy: null, errors: outcome.errors, notes: [] });
      continue;
    }
    if (savepoints) await uow.tx.$executeRawUnsafe("RELEASE SAVEPOINT lead_import_row");
    const v = outcome.value;
    results.push({ row: row.index, status: v.result, leadId: v.leadId, matchedBy: v.matchedBy, errors: [], notes: v.notes });
  }
  return results;
}

export interface LeadUpdate extends LeadPatch {
  leadId: string;
  /** undefined: unchanged; null: none. */
  ownerId?: string | null | undefined;
  companyId?: string | null | undefined;
}

/**
 * A person's edit of a lead. Status can only be set to WORKING here (picking a
 * lead up, or taking a disqualified one back, which a hard rule still
 * forbids); qualifying and converting have their own mutations.
 */
export async function updateLead(services: Services, actor: Actor, input: LeadUpdate, idempotencyKey?: string | null): Promise<Outcome<{ leadId: string }>> {
  return runMutation(services, actor, { operation: "leadUpdate", input, idempotencyKey }, async (uow) => {
    const { tx } = uow;
    const lead = await tx.lead.findUnique({ where: { id: input.leadId } });
    if (!lead) return fail(userError("NOT_FOUND", "No Lead with this id.", ["input", "leadId"]));
    const errors: UserError[] = [];
    const { leadId: _id, attributes, ...fields } = input;
    const edit = planEdit(lead, fields, attributes);
    if (!edit.ok) errors.push(userError("VALIDATION_FAILED", edit.message, ["input", "attributes"]));
    if (edit.update.status !== undefined) {
      const refused = checkManualLeadStatus(lead.status, edit.update.status, ["input", "status"]);
      if (refused) errors.push(refused);
      else {
        const rules = await hardDisqualifications(services, uow, lead.id);
        if (rules.length) errors.push(userError("HARD_DISQUALIFIED", `This lead cannot be worked: ${rules.map((r) => r.reason).join(" ")}`, ["input", "status"]));
      }
    }
    if (edit.update.companyId && !(await tx.company.findUnique({ where: { id: edit.update.companyId }, select: { id: true } }))) {
      errors.push(userError("NOT_FOUND", "No Company with this id.", ["input", "companyId"]));
    }
    const ownerError = await checkMember(tx, edit.update.ownerId, ["input", "ownerId"]);
    if (ownerError) errors.push(ownerError);
    if (errors.length || !edit.ok) return fail(...errors);
    if (!edit.changed) return ok({ leadId: lead.id });

    const { changes } = edit;
    const data = { ...edit.update } as Prisma.LeadUncheckedUpdateInput;
    if (edit.update.status === "WORKING") data.disqualifiedReason = null;
    await tx.lead.update({ where: { id: lead.id }, data });
    await uow.audit({ action: "lead.updated", targetType: "Lead", targetId: lead.id, summary: { changes } });
    await uow.emit("sales.lead.updated", { leadId: lead.id, changed: Object.keys(changes), status: edit.update.status ?? lead.status });
    if (lead.status !== "CONVERTED") await enqueueLeadScoring(services, uow, [lead.id]);
    return ok({ leadId: lead.id });
  });
}

export type QualifyDecision = "AUTO" | "QUALIFY" | "DISQUALIFY";

export interface QualifyInput {
  leadId: string;
  decision: QualifyDecision;
  reason?: string | null;
}

/**
 * Scores the lead (a ScoreSnapshot with factors) and decides its status:
 * AUTO qualifies at or above the tenant's threshold; QUALIFY and DISQUALIFY
 * are a person's (or agent's) decision. A hard disqualification always wins.
 */
export async function qualifyLead(services: Services, actor: Actor, input: QualifyInput, idempotencyKey?: string | null): Promise<Outcome<{ leadId: string; scoreSnapshotId: string; status: LeadStatus }>> {
  const tenantId = actor.principal.tenantId;
  const assessments = await assessLeads(services, tenantId, [input.leadId], (ids) =>
    withTenant(services.db.prisma, { tenantId }, async (tx) => {
      const context = await loadScoringContext(tx, tenantId);
      const facts = await loadLeadFacts(tx, ids, { settings: context.settings, asOf: new Date(), suppression: services.salesHooks?.suppression, tenantId });
      return { facts, context };
    }),
  );
  return runMutation(services, actor, { operation: "leadQualify", input, idempotencyKey }, async (uow) => {
    const lead = await uow.tx.lead.findUnique({ where: { id: input.leadId }, select: { id: true, status: true, outcome: true } });
    if (!lead) return fail(userError("NOT_FOUND", "No Lead with this id.", ["input", "leadId"]));
    const [scored] = await scoreLeadsInUnitOfWork(services, uow, [lead.id], { assessments });
    const result = scored!.result;
    const settings = (await loadScoringContext(uow.tx, tenantId)).settings;
    let status: LeadStatus = scored!.newlyDisqualified ? "DISQUALIFIED" : lead.status;
    const done = (s: LeadStatus) => ok({ leadId: lead.id, scoreSnapshotId: scored!.snapshotId, status: s });

    if (result.disqualified) {
      if (input.decision === "QUALIFY") {
        return fail(
          userError("HARD_DISQUALIFIED", `This lead cannot be qualified: ${result.details.disqualifications.map((d) => d.reason).join(" ")}`, ["input", "decision"]),
        );
      }
      return done(status);
    }
    const move = async (to: LeadStatus, by: string, extra: { disqualifiedReason?: string } = {}) => {
      if (!canTransition(status, to)) {
        return fail(userError("INVALID_TRANSITION", `A ${status.toLowerCase()} lead cannot become ${to.toLowerCase()}.`, ["input", "decision"]));
      }
      await uow.tx.lead.update({
        where: { id: lead.id },
        data: {
          status: to,
          ...(to === "DISQUALIFIED" ? { disqualifiedReason: extra.disqualifiedReason ?? null, outcome: lead.outcome ?? "NOT_CONVERTED" } : { disqualifiedReason: null }),
        },
      });
      await uow.audit({ action: `lead.${to.toLowerCase()}`, targetType: "Lead", targetId: lead.id, summary: { from: status, to, by, score: result.score, reason: extra.disqualifiedReason ?? null } });
      const event = to === "QUALIFIED" ? "sales.lead.qualified" : to === "DISQUALIFIED" ? "sales.lead.disqualified" : "sales.lead.updated";
      await uow.emit(event, { leadId: lead.id, status: to, score: result.score, grade: result.grade, by });
      status = to;
      return done(to);
    };
    if (input.decision === "DISQUALIFY") {
      if (!input.reason?.trim()) return fail(userError("VALIDATION_FAILED", "Disqualifying a lead needs a reason.", ["input", "reason"]));
      return move("DISQUALIFIED", "decision", { disqualifiedReason: input.reason.trim().slice(0, 1000) });
    }
    if (input.decision === "QUALIFY") {
      if (status === "QUALIFIED") return done(status);
      return move("QUALIFIED", "decision");
    }
    // AUTO: qualify at the threshold; otherwise a new lead is now being worked. Never demotes.
    if (result.score >= settings.qualifyThreshold && (status === "NEW" || status === "WORKING")) return move("QUALIFIED", "score");
    if (status === "NEW") return move("WORKING", "score");
    return done(status);
  });
}

export interface ConvertInput {
  leadId: string;
  deal: Omit<NewDeal, "leadId" | "companyId" | "contactIds" | "name"> & { name?: string | undefined };
  /** Name of the company to create when the lead has none. */
  companyName?: string | undefined;
}

/** Converts a lead: company, contact and deal created or linked, in one transaction. */
export async function convertLead(services: Services, actor: Actor, input: ConvertInput, idempotencyKey?: string | null): Promise<Outcome<{ leadId: string; dealId: string; companyId: string | null; contactId: string | null }>> {
  const tenantId = actor.principal.tenantId;
  return runMutation(services, actor, { operation: "leadConvert", input, idempotencyKey }, async (uow) => {
    const lead = await uow.tx.lead.findUnique({ where: { id: input.leadId }, include: { contact: true, company: true } });
    if (!lead) return fail(userError("NOT_FOUND", "No Lead with this id.", ["input", "leadId"]));
    if (lead.status === "CONVERTED") return fail(userError("INVALID_TRANSITION", "The lead is already converted.", ["input", "leadId"]));
    if (lead.status === "DISQUALIFIED") {
      return fail(userError("INVALID_TRANSITION", "A disqualified lead cannot be converted; qualify it first.", ["input", "leadId"]));
    }
    const context = await loadScoringContext(uow.tx, tenantId);
    const facts = (await loadLeadFacts(uow.tx, [lead.id], { settings: context.settings, asOf: new Date(), suppression: services.salesHooks?.suppression, tenantId })).get(lead.id)!;
    const hard = disqualifications(facts, context.settings);
    if (hard.length) return fail(userError("HARD_DISQUALIFIED", `This lead cannot be converted: ${hard.map((d) => d.reason).join(" ")}`, ["input", "leadId"]));

    let companyId = lead.companyId;
    if (!companyId && input.companyName?.trim()) {
      const company = await uow.tx.company.create({ data: { tenantId, name: input.companyName.trim() } });
      await uow.audit({ action: "company.created", targetType: "Company", targetId: company.id, summary: { name: company.name, from: "lead conversion" } });
      companyId = company.id;
      if (lead.contactId && !lead.contact?.companyId) await uow.tx.contact.update({ where: { id: lead.contactId }, data: { companyId } });
    }
    const existing = await uow.tx.deal.findFirst({ where: { leadId: lead.id, status: "OPEN" }, orderBy: { createdAt: "asc" } });
    let dealId: string;
    if (existing) {
      dealId = existing.id;
    } else {
      const name = input.deal.name ?? `${lead.company?.name ?? ([lead.contact?.firstName, lead.contact?.lastName].filter(Boolean).join(" ") || "New")} deal`;
      const created = await createDealInUnitOfWork(uow, { ...input.deal, name, leadId: lead.id, companyId, contactIds: lead.contactId ? [lead.contactId] : [], ownerId: input.deal.ownerId ?? lead.ownerId }, ["input", "deal"]);
      if (!created.ok) return created;
      dealId = created.value.dealId;
    }
    await uow.tx.lead.update({ where: { id: lead.id }, data: { status: "CONVERTED", outcome: "CONVERTED", convertedAt: new Date(), companyId } });
    await uow.audit({ action: "lead.converted", targetType: "Lead", targetId: lead.id, summary: { from: lead.status, dealId, companyId, contactId: lead.contactId, linkedExistingDeal: !!existing } });
    await uow.emit("sales.lead.converted", { leadId: lead.id, dealId, companyId, contactId: lead.contactId });
    return ok({ leadId: lead.id, dealId, companyId, contactId: lead.contactId });
  });
}
