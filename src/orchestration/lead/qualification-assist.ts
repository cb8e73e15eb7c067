// Qualification assist: the AI's bounded view of a lead, plugged into lead
// scoring through the LeadAssessor hook. It is asked only when the lead has
// something the rules cannot read — the intents of the prospect's replies and
// their own words (latest inbound messages, the message of a form) — so an
// import of thousands of leads makes no AI calls. The runtime clamps the
// adjustment to the tenant's bound; scoring never asks about a disqualified
// lead, and disqualification wins over any adjustment.
import type { QualificationAssistInput } from "../../ai/prompts/qualification-assist.js";
import { withTenant } from "../../data/database.js";
import type { LeadFacts } from "../../domain/scoring/facts.js";
import type { AiAssessment } from "../../domain/scoring/score.js";
import type { ScoringSettings } from "../../domain/scoring/settings.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { stripQuoted } from "../../domain/draft/voice.js";
import type { LeadAssessor } from "../pipeline/sales-hooks.js";
import type { Services } from "../services.js";

/** Free-text lead attributes that are the prospect's own words. */
const NOTE_ATTRIBUTES = ["message", "notes", "note", "comment", "comments", "description", "inquiry", "enquiry"];
const MAX_NOTES = 4;
const CACHE_SIZE = 2_000;

export function aiLeadAssessor(services: Pick<Services, "db" | "ai">): LeadAssessor {
  // Rescoring happens on every activity: the same facts are not paid for twice.
  const cache = new Map<string, AiAssessment | null>();
  return {
    async assess({ tenantId, leadId, facts }) {
      const input = await withTenant(services.db.prisma, { tenantId }, async (tx) => {
        const lead = await tx.lead.findUnique({ where: { id: leadId }, include: { contact: true, company: true } });
        if (!lead) return null;
        const messages = await tx.inboundMessage.findMany({
          where: { automated: false, OR: [{ leadId }, ...(lead.contactId ? [{ contactId: lead.contactId }] : [])] },
          orderBy: { receivedAt: "asc" },
          select: { intent: true, text: true },
          take: 50,
        });
        const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
        const icp = readTenantSettings(tenant.settings).scoring.icp;
        const attributes = (lead.attributes ?? {}) as Record<string, unknown>;
        const formNotes = NOTE_ATTRIBUTES.map((k) => attributes[k]).filter((v): v is string => typeof v === "string" && v.trim().length > 0);
        const replyNotes = messages.slice(-MAX_NOTES).map((m) => stripQuoted(m.text).slice(0, 1_000)).filter((t) => t.trim().length > 0);
        const notes = [...formNotes.map((n) => n.slice(0, 1_000)), ...replyNotes].slice(-MAX_NOTES);
        const replyIntents = messages.map((m) => m.intent).filter((i): i is NonNullable<typeof i> => !!i);
        if (!notes.length && !replyIntents.length) return null;
        const assist: QualificationAssistInput = {
          contact: { title: lead.contact?.title ?? null, seniority: facts.seniority },
          company: {
            name: lead.company?.name ?? null,
            industry: lead.company?.industry ?? null,
            employeeCount: lead.company?.employeeCount ?? null,
            country: lead.company?.country ?? null,
          },
          source: lead.source || null,
          replyIntents,
          notes,
          idealCustomer: idealCustomer(icp),
        };
        return { assist, names: [lead.contact?.firstName, lead.contact?.lastName] };
      });
      if (!input) return null;
      const key = `${tenantId}:${JSON.stringify(input.assist)}`;
      if (cache.has(key)) return cache.get(key)!;
      const result = await services.ai.assessLead({ tenantId, agent: "qualification-assist", knownNames: input.names }, { ...input.assist, disqualified: isDisqualifiedHint(facts) });
      const source = result.invocations.at(-1);
      const assessment: AiAssessment | null = result.proposal.reason
        ? { adjustment: result.proposal.adjustment, reason: result.proposal.reason, source: source ? `${source.provider}:${source.model}` : "ai" }
        : null;
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(key, assessment);
      return assessment;
    },
  };
}

/** Scoring does not ask about leads a hard rule disqualifies; these two facts the runtime may still see. */
function isDisqualifiedHint(facts: LeadFacts): boolean {
  return facts.doNotContact || facts.suppressed;
}

/** The ICP's favoured industries and size range, in the prompt's terms. */
function idealCustomer(icp: ScoringSettings["icp"]): QualificationAssistInput["idealCustomer"] {
  const industries = icp.industries.filter((r) => r.points > 0).map((r) => r.value);
  // The ranges worth at least half of the best one: every range usually scores something.
  const best = Math.max(0, ...icp.employeeRanges.map((r) => r.points));
  const favoured = best > 0 ? icp.employeeRanges.filter((r) => r.points * 2 >= best) : [];
  const min = favoured.length ? Math.min(...favoured.map((r) => r.min ?? 0)) : null;
  const max = favoured.length && favoured.every((r) => typeof r.max === "number") ? Math.max(...favoured.map((r) => r.max as number)) : null;
  if (!industries.length && min === null) return null;
  return { industries, minEmployees: min, maxEmployees: max };
}
