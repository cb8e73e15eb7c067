// Contacts: the Contact type, the contacts connection, and contactUpdate.
import { Prisma as PrismaSql, type Prisma } from "../../../data/database.js";
import { idCondition, listPage, reads } from "../list-page.js";
import { SENIORITIES } from "../../../domain/scoring/settings.js";
import { contactPatchSchema } from "../../../domain/lead/record-update.js";
import type { UserError } from "../../../domain/user-error.js";
import { updateContact } from "../../../orchestration/lead/contact.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { idOf } from "../global-id.js";
import { clearableId, filterId, presentFields, searchTerms, orderInput, sortDirection, userGlobalId } from "../pipeline/sales-common.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

export const SeniorityEnum = builder.enumType("Seniority", { values: SENIORITIES });

export const ContactType = builder.prismaNode("Contact", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
  // Checked once per object (isTypeOf) instead of once per field: the same rule, not run for every scalar of a list page.
  runScopesOnType: true,
  fields: (t) => ({
    firstName: t.exposeString("firstName", { nullable: true }),
    lastName: t.exposeString("lastName", { nullable: true }),
    email: t.exposeString("email", { nullable: true, description: "Normalised: lower case, provider-ignored tags and dots removed; unique per tenant." }),
    emailOriginal: t.exposeString("emailOriginal", { nullable: true, description: "The address as it was given." }),
    title: t.exposeString("title", { nullable: true }),
    seniority: t.expose("seniority", { type: SeniorityEnum }),
    phone: t.exposeString("phone", { nullable: true }),
    timeZone: t.exposeString("timeZone", { nullable: true }),
    doNotContact: t.exposeBoolean("doNotContact"),
    ownerId: t.field({ type: "ID", nullable: true, extensions: reads("ownerId"), resolve: (c) => userGlobalId(c.ownerId) }),
    attributes: t.expose("attributes", { type: "JSON" }),
    company: t.relation("company", { nullable: true }),
    leads: t.relation("leads"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const ContactSortField = builder.enumType("ContactSortField", { values: ["CREATED_AT", "UPDATED_AT"] as const });

const ContactFilter = builder.inputType("ContactFilter", {
  fields: (t) => ({
    search: t.string({ required: false, description: "Matches name, e-mail or company name (case-insensitive, every word must match)." }),
    companyId: t.id({ required: false }),
    ownerId: t.id({ required: false }),
    doNotContact: t.boolean({ required: false }),
  }),
});

const ContactOrder = orderInput("ContactOrder", ContactSortField);

/** Each search term must match the contact's name, e-mail or company name. */
export function contactSearch(terms: string[]): Prisma.ContactWhereInput[] {
  return terms.map((term) => ({
    OR: [
      { email: { contains: term, mode: "insensitive" } },
      { firstName: { contains: term, mode: "insensitive" } },
      { lastName: { contains: term, mode: "insensitive" } },
      { company: { is: { name: { contains: term, mode: "insensitive" } } } },
    ],
  }));
}

builder.queryField("contacts", (t) =>
  t.prismaConnection(
    {
      type: "Contact",
      cursor: "id",
      authScopes: { permission: "lead:read" },
      args: { filter: t.arg({ type: ContactFilter, required: false }), orderBy: t.arg({ type: ContactOrder, required: false }) },
      resolve: (query, _root, { filter, orderBy }, ctx, info) => {
        const where: Prisma.ContactWhereInput = {};
        const terms = searchTerms(filter?.search);
        if (terms.length) where.AND = contactSearch(terms);
        if (filter?.companyId) where.companyId = filterId(String(filter.companyId), "Company");
        if (filter?.ownerId) where.ownerId = filterId(String(filter.ownerId), "User");
        if (typeof filter?.doNotContact === "boolean") where.doNotContact = filter.doNotContact;
        const dir = sortDirection(orderBy?.direction);
        const field = orderBy?.field === "UPDATED_AT" ? "updatedAt" : "createdAt";
        // One statement with the company joined unless the filter searches (see list-page.ts).
        const sql: PrismaSql.Sql[] | null = terms.length ? null : [];
        if (sql && filter?.companyId) sql.push(idCondition("companyId", filterId(String(filter.companyId), "Company")));
        if (sql && filter?.ownerId) sql.push(idCondition("ownerId", filterId(String(filter.ownerId), "User")));
        if (sql && typeof filter?.doNotContact === "boolean") sql.push(PrismaSql.sql`t."doNotContact" = ${filter.doNotContact}`);
        return listPage(ctx, info, "Contact", query, [{ field, dir }, { field: "id", dir }], sql, () =>
          ctx.db.contact.findMany({ ...query, where, orderBy: [{ [field]: dir }, { id: dir }] }),
        );
      },
    },
    { name: "ContactConnection" },
    { name: "ContactEdge" },
  ),
);

// --- contactUpdate ----------------------------------------------------------

const ContactUpdateInput = builder.inputType("ContactUpdateInput", {
  description: "Only the fields given change; null (or an empty string) clears a field that may be empty.",
  fields: (t) => ({
    contactId: t.id({ required: true }),
    email: t.string({ required: false, description: "Refused while drafts to the current address are open, or when another contact has it." }),
    firstName: t.string({ required: false }),
    lastName: t.string({ required: false }),
    title: t.string({ required: false }),
    seniority: t.field({ type: SeniorityEnum, required: false }),
    phone: t.string({ required: false }),
    timeZone: t.string({ required: false, description: "IANA time zone, e.g. Europe/Berlin." }),
    doNotContact: t.boolean({ required: false, description: "true takes effect at once (open leads disqualified, no draft approved or sent); clearing it needs MANAGER or above." }),
    companyId: t.id({ required: false, description: "null unlinks the company." }),
    ownerId: t.id({ required: false, description: "Global id of a User who is a member; null unassigns." }),
    attributes: t.field({ type: "JSON", required: false, description: "A patch: each key given is set, a key set to null is removed." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const ContactUpdatePayload = payloadType<Payload<{ contactId: string }>>("ContactUpdatePayload", (t) => ({
  contact: t.prismaField({ type: "Contact", nullable: true, resolve: (q, p, _a, ctx) => (p.contactId ? ctx.db.contact.findUnique({ ...q, where: { id: p.contactId } }) : null) }),
}));

builder.mutationField("contactUpdate", (t) =>
  t.field({
    type: ContactUpdatePayload,
    description: "Edits a contact: a value replaces, null clears, an absent field stays. Audited with old and new values.",
    authScopes: { permission: "lead:write" },
    args: { input: t.arg({ type: ContactUpdateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      const { contactId, companyId, ownerId, idempotencyKey, ...fields } = input;
      const contact = idOf(String(contactId), "Contact", ["input", "contactId"]);
      if (!contact.ok) errors.push(...contact.errors);
      const company = clearableId(errors, companyId, "Company", ["input", "companyId"]);
      const owner = clearableId(errors, ownerId, "User", ["input", "ownerId"]);
      const parsed = parseInput(contactPatchSchema, presentFields(fields));
      if (!parsed.ok) errors.push(...parsed.errors);
      if (errors.length || !parsed.ok || !contact.ok) return errorPayload<{ contactId: string }>(errors);
      return toPayload(
        await updateContact(ctx.services, actorOf(ctx), { ...parsed.data, contactId: contact.id, companyId: company, ownerId: owner }, idempotencyKey ?? ctx.idempotencyKey),
      );
    },
  }),
);
