// Company use cases: a person's edit of a company (companyUpdate), including
// the domains that identify it when leads arrive. A domain belongs to one
// company per tenant; adding one another company holds is a conflict, not a
// silent move.
import type { Prisma } from "../../data/database.js";
import { planEdit, type CompanyPatch } from "../../domain/lead/record-update.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { checkMember } from "../pipeline/deal.js";
import { enqueueLeadScoring } from "./lead-scoring.js";
import type { Services } from "../services.js";
import { runMutation, type Actor } from "../unit-of-work.js";

export interface CompanyUpdate extends CompanyPatch {
  companyId: string;
  ownerId?: string | null | undefined;
}

export async function updateCompany(services: Services, actor: Actor, input: CompanyUpdate, idempotencyKey?: string | null): Promise<Outcome<{ companyId: string }>> {
  return runMutation(services, actor, { operation: "companyUpdate", input, idempotencyKey }, async (uow) => {
    const { tx } = uow;
    const tenantId = actor.principal.tenantId;
    const company = await tx.company.findUnique({ where: { id: input.companyId }, include: { domains: { select: { domain: true } } } });
    if (!company) return fail(userError("NOT_FOUND", "No Company with this id.", ["input", "companyId"]));
    const errors: UserError[] = [];
    const { companyId: _id, attributes, addDomains = [], removeDomains = [], ...fields } = input;
    const edit = planEdit(company, fields, attributes);
    if (!edit.ok) errors.push(userError("VALIDATION_FAILED", edit.message, ["input", "attributes"]));
    const ownerError = await checkMember(tx, edit.update.ownerId, ["input", "ownerId"]);
    if (ownerError) errors.push(ownerError);

    const held = new Set(company.domains.map((d) => d.domain));
    const toAdd = [...new Set(addDomains)].filter((d) => !held.has(d));
    const toRemove = [...new Set(removeDomains)].filter((d) => held.has(d) && !toAdd.includes(d));
    const unknown = removeDomains.filter((d) => !held.has(d));
    if (unknown.length) errors.push(userError("NOT_FOUND", `The company does not have ${unknown.join(", ")}.`, ["input", "removeDomains"]));
    if (toAdd.length) {
      const taken = await tx.companyDomain.findMany({ where: { domain: { in: toAdd } }, select: { domain: true } });
      if (taken.length) {
        errors.push(userError("CONFLICT", `${taken.map((d) => d.domain).join(", ")} already identifies another company.`, ["input", "addDomains"]));
      }
    }
    if (errors.length || !edit.ok) return fail(...errors);

    const changes: Record<string, unknown> = { ...edit.changes };
    if (toAdd.length || toRemove.length) changes.domains = { added: toAdd, removed: toRemove };
    if (Object.keys(changes).length === 0) return ok({ companyId: company.id });
    await tx.company.update({ where: { id: company.id }, data: edit.update as Prisma.CompanyUncheckedUpdateInput });
    if (toRemove.length) await tx.companyDomain.deleteMany({ where: { companyId: company.id, domain: { in: toRemove } } });
    if (toAdd.length) await tx.companyDomain.createMany({ data: toAdd.map((domain) => ({ tenantId, companyId: company.id, domain })) });
    await uow.audit({ action: "company.updated", targetType: "Company", targetId: company.id, summary: { changes } });
    await uow.emit("sales.company.updated", { companyId: company.id, changed: Object.keys(changes) });

    // Industry, size, country and stage feed the fit rules of every open lead at the company.
    const leads = await tx.lead.findMany({ where: { companyId: company.id, status: { in: ["NEW", "WORKING", "QUALIFIED"] } }, select: { id: true } });
    await enqueueLeadScoring(services, uow, leads.map((l) => l.id));
    return ok({ companyId: company.id });
  });
}
