import type { Prisma } from "../../data/database.js";
import { SENIORITIES } from "../../domain/scoring/settings.js";
import { builder } from "../builder.js";
import { filterId, searchTerms, orderInput, sortDirection, userGlobalId } from "./sales-common.js";

export const SeniorityEnum = builder.enumType("Seniority", { values: SENIORITIES });

export const ContactType = builder.prismaNode("Contact", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
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
    ownerId: t.field({ type: "ID", nullable: true, resolve: (c) => userGlobalId(c.ownerId) }),
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
      resolve: (query, _root, { filter, orderBy }, ctx) => {
        const where: Prisma.ContactWhereInput = {};
        const terms = searchTerms(filter?.search);
        if (terms.length) where.AND = contactSearch(terms);
        if (filter?.companyId) where.companyId = filterId(String(filter.companyId), "Company");
        if (filter?.ownerId) where.ownerId = filterId(String(filter.ownerId), "User");
        if (typeof filter?.doNotContact === "boolean") where.doNotContact = filter.doNotContact;
        const dir = sortDirection(orderBy?.direction);
        const field = orderBy?.field === "UPDATED_AT" ? "updatedAt" : "createdAt";
        return ctx.db.contact.findMany({ ...query, where, orderBy: [{ [field]: dir }, { id: dir }] });
      },
    },
    { name: "ContactConnection" },
    { name: "ContactEdge" },
  ),
);
