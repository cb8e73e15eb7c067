// Contact lists: the ContactList type, the contactLists connection, and
// contactListCreate / contactListAddContacts / contactListRemoveContacts.
// A segment's `lists` criterion names lists by their global ids.
import type { UserError } from "../../../domain/user-error.js";
import { changeContactListMembers, contactListInputSchema, createContactList } from "../../../orchestration/lead/contact-list.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { decodeId, idOf } from "../global-id.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

builder.prismaNode("ContactList", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
  fields: (t) => ({
    name: t.exposeString("name"),
    description: t.exposeString("description"),
    memberCount: t.int({ resolve: (l, _a, ctx) => ctx.db.contactListMember.count({ where: { listId: l.id } }) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

builder.queryField("contactLists", (t) =>
  t.prismaConnection({
    type: "ContactList",
    cursor: "id",
    authScopes: { permission: "lead:read" },
    description: "The tenant's contact lists, by name.",
    resolve: (query, _root, _args, ctx) => ctx.db.contactList.findMany({ ...query, orderBy: [{ name: "asc" }, { id: "asc" }] }),
  }),
);

const ContactListCreateInput = builder.inputType("ContactListCreateInput", {
  fields: (t) => ({ name: t.string({ required: true }), description: t.string({ required: false }), idempotencyKey: t.string({ required: false }) }),
});
const ContactListMembersInput = builder.inputType("ContactListMembersInput", {
  fields: (t) => ({ listId: t.id({ required: true }), contactIds: t.idList({ required: true }), idempotencyKey: t.string({ required: false }) }),
});

const ContactListPayload = payloadType<Payload<{ listId: string; changed?: number; notFound?: string[] }>>("ContactListPayload", (t) => ({
  contactList: t.prismaField({ type: "ContactList", nullable: true, resolve: (q, p, _a, ctx) => (p.listId ? ctx.db.contactList.findUnique({ ...q, where: { id: p.listId } }) : null) }),
  changed: t.int({ nullable: true, description: "Contacts added (not already on it) or removed.", resolve: (p) => p.changed ?? null }),
}));

builder.mutationField("contactListCreate", (t) =>
  t.field({
    type: ContactListPayload,
    description: "Creates a named contact list (a segment criterion). Audited.",
    authScopes: { permission: "lead:write" },
    args: { input: t.arg({ type: ContactListCreateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(contactListInputSchema, { name: input.name, ...(input.description != null ? { description: input.description } : {}) });
      if (!parsed.ok) return errorPayload(parsed.errors);
      return toPayload(await createContactList(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

for (const [name, remove] of [["contactListAddContacts", false], ["contactListRemoveContacts", true]] as const) {
  builder.mutationField(name, (t) =>
    t.field({
      type: ContactListPayload,
      description: remove ? "Takes contacts off a list. Audited." : "Puts contacts on a list (once each). Audited.",
      authScopes: { permission: "lead:write" },
      args: { input: t.arg({ type: ContactListMembersInput, required: true }) },
      resolve: async (_root, { input }, ctx) => {
        const errors: UserError[] = [];
        const list = idOf(String(input.listId), "ContactList", ["input", "listId"]);
        if (!list.ok) errors.push(...list.errors);
        const contactIds = input.contactIds.map((id) => decodeId(String(id), "Contact"));
        if (contactIds.some((id) => id === null)) errors.push({ code: "NOT_FOUND", message: "No Contact with one of these ids.", field: ["input", "contactIds"] });
        if (errors.length || !list.ok) return errorPayload(errors);
        return toPayload(await changeContactListMembers(ctx.services, actorOf(ctx), { listId: list.id, contactIds: contactIds as string[], remove }, input.idempotencyKey ?? ctx.idempotencyKey));
      },
    }),
  );
}
