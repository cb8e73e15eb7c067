// Contact lists (issue 12: the segments' "lists" criterion): a named list of
// contacts a person keeps by hand. Create, add and remove are audited and
// evented like any change; a segment (campaign or sequence rule) may ask for
// contacts on any of some lists.
import { z } from "zod";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import type { Services } from "../services.js";
import { runMutation, type Actor } from "../unit-of-work.js";

export const MAX_LIST_CHANGE = 1000;

export const contactListInputSchema = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(200),
    description: z.string().trim().max(2000).default(""),
  })
  .strict();

export async function createContactList(
  services: Services,
  actor: Actor,
  input: z.infer<typeof contactListInputSchema>,
  idempotencyKey?: string | null,
): Promise<Outcome<{ listId: string }>> {
  return runMutation(services, actor, { operation: "contactListCreate", input, idempotencyKey }, async (uow) => {
    const tenantId = actor.principal.tenantId;
    const taken = await uow.tx.contactList.findUnique({ where: { tenantId_name: { tenantId, name: input.name } }, select: { id: true } });
    if (taken) return fail(userError("CONFLICT", "A list with this name exists.", ["input", "name"]));
    const list = await uow.tx.contactList.create({ data: { tenantId, name: input.name, description: input.description, createdById: actor.principal.userId ?? null } });
    await uow.audit({ action: "contact_list.created", targetType: "ContactList", targetId: list.id, summary: { name: list.name } });
    await uow.emit("sales.contact_list.created", { listId: list.id, name: list.name });
    return ok({ listId: list.id });
  });
}

/** Adds (or removes) contacts; unknown ids (or another tenant's) are reported back, not fatal. */
export async function changeContactListMembers(
  services: Services,
  actor: Actor,
  input: { listId: string; contactIds: string[]; remove: boolean },
  idempotencyKey?: string | null,
): Promise<Outcome<{ listId: string; changed: number; notFound: string[] }>> {
  if (input.contactIds.length > MAX_LIST_CHANGE) return fail(userError("VALIDATION_FAILED", `At most ${MAX_LIST_CHANGE} contacts at a time.`, ["input", "contactIds"]));
  const operation = input.remove ? "contactListRemoveContacts" : "contactListAddContacts";
  return runMutation(services, actor, { operation, input, idempotencyKey }, async (uow) => {
    const tenantId = actor.principal.tenantId;
    const locked = await uow.tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "ContactList" WHERE "id" = ${input.listId}::uuid FOR UPDATE`;
    if (!locked.length) return fail(userError("NOT_FOUND", "No ContactList with this id.", ["input", "listId"]));
    const ids = [...new Set(input.contactIds)];
    const found = new Set((await uow.tx.contact.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((c) => c.id));
    const notFound = ids.filter((id) => !found.has(id));
    const present = ids.filter((id) => found.has(id));
    let changed = 0;
    if (input.remove) {
      changed = (await uow.tx.contactListMember.deleteMany({ where: { listId: input.listId, contactId: { in: present } } })).count;
    } else if (present.length) {
      changed = (await uow.tx.contactListMember.createMany({ data: present.map((contactId) => ({ tenantId, listId: input.listId, contactId })), skipDuplicates: true })).count;
    }
    await uow.tx.contactList.update({ where: { id: input.listId }, data: { updatedAt: new Date() } });
    const summary = { contactIds: present.slice(0, 200), changed, notFound: notFound.length };
    await uow.audit({ action: input.remove ? "contact_list.contacts_removed" : "contact_list.contacts_added", targetType: "ContactList", targetId: input.listId, summary });
    await uow.emit(input.remove ? "sales.contact_list.contacts_removed" : "sales.contact_list.contacts_added", { listId: input.listId, changed });
    return ok({ listId: input.listId, changed, notFound });
  });
}
