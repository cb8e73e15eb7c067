// messageIngest: an inbound e-mail (raw RFC 5322, or its fields) becomes an
// InboundMessage, once per Message-ID. In one transaction it is linked to the
// contact and lead (by canonical address; a person writing for the first
// time becomes a lead), joined to its thread, logged as an EMAIL_RECEIVED
// activity, and the certain rules act at once: an unsubscribe, a complaint
// or a hard bounce puts the address on the suppression list before anything
// else can be sent. Then the analysis agent is queued.
import { z } from "zod";
import type { InboundMessageInput } from "../../ai/runtime.js";
import type { Prisma } from "../../data/database.js";
import { parseEmail } from "../../domain/email.js";
import { messageIdList, nameFromDisplay, normaliseMessageId, suppressionReasonFor, syntheticMessageId } from "../../domain/inbound/inbound-message.js";
import { leadInputSchema } from "../../domain/lead/lead.js";
import { normaliseEmail } from "../../domain/sending/suppression.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { valueProblem } from "../../domain/draft/safe-text.js";
import { recordActivity } from "../pipeline/activity.js";
import { enqueueAgent } from "../agent/agent-run.js";
import { resolveThread } from "./email-thread.js";
import { ingestContext, retryOnUniqueViolation } from "../lead/lead.js";
import { ingestLead } from "../lead/lead-ingest.js";
import { enqueueLeadScoring } from "../lead/lead-scoring.js";
import type { Services } from "../services.js";
import { recordSuppression } from "../sending/suppression.js";
import { ourMessageIdsIn, recordDeliverabilitySignal } from "../sending/deliverability.js";
import { deliverabilitySignalKind } from "../../domain/sending/deliverability.js";
import { runMutation, type Actor, type UnitOfWork } from "../unit-of-work.js";

const MAX_RAW_CHARS = 4_000_000;
const address = z.string().trim().toLowerCase().email("must be an e-mail address").max(254);

export const messageIngestSchema = z
  .object({
    /** The whole message as received (RFC 5322, headers and body). */
    raw: z.string().min(1, "must not be empty").max(MAX_RAW_CHARS).nullish(),
    /** The message as fields, when the raw source is not at hand. */
    message: z
      .object({
        from: address,
        fromName: z.string().trim().max(200).nullish(),
        to: z.array(address).max(100).default([]),
        subject: z.string().max(998).default(""),
        text: z.string().refine((s) => s.trim().length > 0, "must not be empty").pipe(z.string().max(500_000)),
        sentAt: z.string().datetime({ offset: true, message: "must be an ISO 8601 date-time" }).nullish(),
        messageId: z.string().trim().max(998).nullish(),
        inReplyTo: z.string().trim().max(998).nullish(),
        references: z.array(z.string().trim().max(998)).max(100).default([]),
        headers: z
          .array(z.object({ name: z.string().trim().min(1).max(200).regex(/^[!-9;-~]+$/, "must be a header name"), value: z.string().max(10_000) }))
          .max(200)
          .default([]),
      })
      .nullish(),
    /** Our address it arrived at; default: the first recipient. */
    mailbox: address.nullish(),
  })
  .refine((v) => (v.raw ? 1 : 0) + (v.message ? 1 : 0) === 1, { message: "give exactly one of raw or message", path: ["raw"] });
export type MessageIngestInput = z.infer<typeof messageIngestSchema>;

export interface MessageIngestValue {
  inboundMessageId: string;
  /** The same Message-ID was ingested before: nothing was changed. */
  duplicate: boolean;
  /** Addresses the certain rules suppressed now. */
  suppressed: string[];
  agentRunId: string | null;
}

function runtimeInput(input: MessageIngestInput): InboundMessageInput {
  if (input.raw) return { raw: input.raw };
  const m = input.message!;
  const headers: Record<string, string> = {};
  for (const h of m.headers) headers[h.name.toLowerCase()] ??= h.value;
  if (m.messageId) headers["message-id"] ??= m.messageId;
  if (m.inReplyTo) headers["in-reply-to"] ??= m.inReplyTo;
  if (m.references.length) headers.references ??= m.references.join(" ");
  return { from: m.from, fromName: m.fromName ?? null, to: m.to, subject: m.subject, text: m.text, sentAt: m.sentAt ? new Date(m.sentAt).toISOString() : null, headers };
}

export async function ingestMessage(services: Services, actor: Actor, input: MessageIngestInput, idempotencyKey?: string | null): Promise<Outcome<MessageIngestValue>> {
  const source = runtimeInput(input);
  let classification;
  try {
    classification = await services.ai.inboundRules(source);
  } catch (error) {
    return fail(userError("VALIDATION_FAILED", `The message could not be parsed: ${(error as Error).message}`.slice(0, 500), ["input", input.raw ? "raw" : "message"]));
  }
  const { email, analysis, automation } = classification;
  // The message as parsed (encoded words and quoted-printable or base64 bodies decoded) is what is stored.
  const unstorable = valueProblem({ from: email.from, to: email.to, subject: email.subject, text: email.text, headers: email.headers, parts: email.parts }, { maxDepth: 8 });
  if (unstorable) {
    const where = unstorable.path.filter((p) => !/^\d+$/.test(p)).join(".");
    return fail(userError("VALIDATION_FAILED", `The message cannot be stored: its ${where} ${unstorable.message}.`, ["input", input.raw ? "raw" : "message"]));
  }
  const sentAt = email.date ? new Date(email.date) : null;
  const messageId =
    normaliseMessageId(email.headers["message-id"]?.[0]) ?? syntheticMessageId({ from: email.from.address, sentAt: email.date, subject: email.subject, text: email.text });
  const inReplyTo = normaliseMessageId(email.headers["in-reply-to"]?.[0]);
  const references = messageIdList(email.headers.references);
  const human = !analysis && !automation.automated;
  // Whose message this is: the sender, except for bounces (also a "this inbox is no longer in use" reply) and
  // complaints, which are about the address we mailed.
  const aboutMailed = !!analysis && (analysis.intent === "BOUNCE" || analysis.ruleKind === "COMPLAINT");
  const about = aboutMailed ? (analysis.bounce?.recipients[0] ?? analysis.suppress[0] ?? null) : email.from.address;

  return retryOnUniqueViolation(() =>
    runMutation<MessageIngestValue>(services, actor, { operation: "messageIngest", input, idempotencyKey }, async (uow) => {
      const tenantId = actor.principal.tenantId;
      const existing = await uow.tx.inboundMessage.findUnique({ where: { tenantId_messageId: { tenantId, messageId } }, select: { id: true } });
      if (existing) return ok({ inboundMessageId: existing.id, duplicate: true, suppressed: [], agentRunId: null });

      const tenant = await uow.tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
      const settings = readTenantSettings(tenant.settings);
      const mailbox = input.mailbox ?? email.to.find((t) => settings.sending.mailboxes.includes(t)) ?? email.to[0] ?? null;
      const person = await linkPerson(services, uow, { about, human, fromName: email.from.name, mailbox });

      const thread =
        person.contactId && !aboutMailed
          ? await resolveThread(uow.tx, {
              tenantId,
              messageIds: [...(inReplyTo ? [inReplyTo] : []), ...[...references].reverse()],
              subject: email.subject,
              contactId: person.contactId,
              leadId: person.leadId,
              at: sentAt ?? new Date(),
            })
          : null;

      const message = await uow.tx.inboundMessage.create({
        data: {
          tenantId,
          messageId,
          mailbox,
          fromEmail: email.from.address,
          fromName: email.from.name,
          to: email.to,
          subject: email.subject.slice(0, 998),
          text: email.text.slice(0, 500_000),
          raw: input.raw ?? null,
          headers: email.headers as Prisma.InputJsonValue,
          sentAt,
          inReplyTo,
          references,
          automated: !human,
          ruleKind: analysis?.ruleKind ?? null,
          threadId: thread?.threadId ?? null,
          contactId: person.contactId,
          leadId: person.leadId,
        },
        select: { id: true },
      });

      if (human && (person.contactId || person.leadId)) {
        // Only a person's own words count as engagement; automated mail is kept on the message alone.
        const logged = await recordActivity(services, uow, {
          type: "EMAIL_RECEIVED",
          direction: "INBOUND",
          occurredAt: sentAt ?? new Date(),
          subject: email.subject.slice(0, 998) || undefined,
          body: email.text.slice(0, 10_000),
          contactId: person.contactId ?? undefined,
          leadId: person.leadId ?? undefined,
          metadata: { inboundMessageId: message.id, messageId },
        });
        if (!logged.ok) return logged;
      }

      // The certain rules act now: no person and no model is needed to stop mail.
      const suppressed: string[] = [];
      if (analysis) {
        const reason = suppressionReasonFor(analysis);
        for (const raw of analysis.suppress) {
          const value = normaliseEmail(raw);
          const entry = await recordSuppression(uow, { kind: "EMAIL", value, reason, note: `Inbound ${analysis.ruleKind?.toLowerCase() ?? "rule"}: message ${messageId}`.slice(0, 500) });
          if (entry.created) suppressed.push(value);
        }
        if (analysis.suppress.length) {
          await uow.tx.inboundMessage.update({ where: { id: message.id }, data: { suppressed: analysis.suppress.map(normaliseEmail) } });
          // A suppressed lead is disqualified by the scoring rules: rescore it now.
          if (person.leadId) await enqueueLeadScoring(services, uow, [person.leadId]);
        }
      }
      // Deliverability: a bounce or complaint counts against the mailbox that sent the mail, and may pause it now (sending/deliverability.ts).
      const signal = analysis ? deliverabilitySignalKind(analysis) : null;
      if (signal && analysis) {
        const now = new Date();
        await recordDeliverabilitySignal(uow, {
          inboundMessageId: message.id,
          kind: signal,
          recipients: analysis.bounce?.recipients.length ? analysis.bounce.recipients : analysis.suppress,
          messageIds: [...(inReplyTo ? [inReplyTo] : []), ...references, ...ourMessageIdsIn(input.raw ?? email.text)],
          mailbox,
          occurredAt: sentAt && sentAt <= now ? sentAt : now,
        });
      }

      await uow.audit({
        action: "message.received",
        targetType: "InboundMessage",
        targetId: message.id,
        summary: { messageId, automated: !human, ruleKind: analysis?.ruleKind ?? null, contactId: person.contactId, leadId: person.leadId, suppressed },
      });
      await uow.emit("sales.message.received", {
        inboundMessageId: message.id,
        contactId: person.contactId,
        leadId: person.leadId,
        threadId: thread?.threadId ?? null,
        automated: !human,
        ruleKind: analysis?.ruleKind ?? null,
        suppressed,
      });
      const run = await enqueueAgent(services, uow, { agent: "inbound-analysis", input: { inboundMessageId: message.id }, leadId: person.leadId });
      return ok({ inboundMessageId: message.id, duplicate: false, suppressed, agentRunId: run.runId });
    }),
  );
}

/**
 * The contact and lead a message is about, by canonical address. A person
 * writing for the first time becomes a contact and a lead (source
 * inbound_email), owned by the member the message arrived for, else by the
 * member who ingested it; automated mail never creates anyone.
 */
async function linkPerson(
  services: Services,
  uow: UnitOfWork,
  input: { about: string | null; human: boolean; fromName: string | null; mailbox: string | null },
): Promise<{ contactId: string | null; leadId: string | null }> {
  const parsed = input.about ? parseEmail(input.about) : null;
  if (!parsed?.ok) return { contactId: null, leadId: null };
  const contact = await uow.tx.contact.findUnique({
    where: { tenantId_email: { tenantId: uow.actor.principal.tenantId, email: parsed.email.normalized } },
    select: { id: true },
  });
  const lead = contact ? await uow.tx.lead.findFirst({ where: { contactId: contact.id }, select: { id: true } }) : null;
  if (lead || !input.human) return { contactId: contact?.id ?? null, leadId: lead?.id ?? null };
  const owner =
    (input.mailbox ? (await uow.tx.membership.findFirst({ where: { user: { email: input.mailbox } }, select: { userId: true } }))?.userId : undefined) ??
    uow.actor.principal.userId ??
    undefined;
  const names = contact ? { firstName: null, lastName: null } : nameFromDisplay(input.fromName);
  const leadInput = leadInputSchema.parse({
    email: parsed.email.original,
    ...(names.firstName ? { firstName: names.firstName } : {}),
    ...(names.lastName ? { lastName: names.lastName } : {}),
    source: "inbound_email",
    ...(owner && !contact ? { ownerId: owner } : {}),
  });
  const ctx = await ingestContext(uow, { source: "inbound_email", system: "email" });
  const ingested = await ingestLead(uow, ctx, leadInput, ["input"]);
  if (!ingested.ok) return { contactId: contact?.id ?? null, leadId: null };
  await enqueueLeadScoring(services, uow, [ingested.value.leadId]);
  const created = await uow.tx.lead.findUniqueOrThrow({ where: { id: ingested.value.leadId }, select: { id: true, contactId: true } });
  return { contactId: created.contactId, leadId: created.id };
}
