// The inbound analysis agent: intent, relevance, action and reasons for one
// inbound message (certain rules first, then the provider), stored on the
// message, announced as sales.message.analysed, and acted on as the tenant's
// SERVICE principal: an unsubscribe or bounce the model found is suppressed;
// an out-of-office moves the contact's open follow-ups after the return date;
// a follow-up or an escalation becomes a task for the owner; a reply-worthy
// human message starts the thread reader, which starts the draft writer and
// then the recommender. Automated mail is never answered. Nothing here can
// approve or send.
import { laterContactRequest } from "../../ai/dates.js";
import type { InboundMessageInput } from "../../ai/runtime.js";
import { withTenant, type Prisma } from "../../data/database.js";
import { planForAnalysis, suppressionReasonFor } from "../../domain/inbound/inbound-message.js";
import { normaliseEmail } from "../../domain/sending/suppression.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { stripQuoted } from "../../domain/draft/voice.js";
import { ok } from "../../domain/user-error.js";
import { AgentSkip, type AgentRunContext } from "../agent/agent-run.js";
import { enqueueLeadScoring } from "../lead/lead-scoring.js";
import type { Services } from "../services.js";
import { recordSuppression, suppressionCheck } from "../sending/suppression.js";
import { ourMessageIdsIn, recordDeliverabilitySignal } from "../sending/deliverability.js";
import { classifyBounceText } from "../../domain/inbound/inbound-email.js";
import { createTaskInUnitOfWork } from "../pipeline/task.js";
import type { SequenceBranch } from "../../domain/sequence/sequence.js";
import { applyInboundToSequences } from "../sequence/sequence-runner.js";
import { runUnitOfWork, type UnitOfWork } from "../unit-of-work.js";

/** The raw message with a Date header of its receipt in front (RFC 5322 requires one; this message had none). */
function withDateHeader(raw: string, receivedAt: Date): string {
  return `Date: ${receivedAt.toUTCString().replace(/GMT$/, "+0000")}${raw.includes("\r\n") ? "\r\n" : "\n"}${raw}`;
}

function firstValues(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries((headers ?? {}) as Record<string, string[]>)) {
    if (Array.isArray(values) && typeof values[0] === "string") out[name] = values[0];
  }
  return out;
}

export async function runInboundAnalysis(services: Services, run: AgentRunContext): Promise<Record<string, unknown>> {
  const { inboundMessageId } = run.input as { inboundMessageId: string };
  const loaded = await withTenant(services.db.prisma, { tenantId: run.tenantId }, (tx) =>
    tx.inboundMessage.findUnique({ where: { id: inboundMessageId }, include: { contact: { select: { firstName: true, lastName: true } } } }),
  );
  if (!loaded) throw new AgentSkip("the message no longer exists");
  // Relative dates ("back on Monday", "reach out in March") are read against when the message was sent,
  // or, without a send date, when it was received: a message without one is given a Date header
  // (as an MTA adds one) or a sentAt of its receipt for the analysis.
  const reference = loaded.sentAt ?? loaded.receivedAt;
  const source: InboundMessageInput = loaded.raw
    ? { raw: loaded.sentAt ? loaded.raw : withDateHeader(loaded.raw, loaded.receivedAt) }
    : {
        from: loaded.fromEmail ?? "",
        fromName: loaded.fromName,
        to: loaded.to,
        subject: loaded.subject,
        text: loaded.text,
        sentAt: reference.toISOString(),
        headers: firstValues(loaded.headers),
      };
  const analysis = run.use(await services.ai.analyseInbound({ ...run.ai, knownNames: [loaded.contact?.firstName, loaded.contact?.lastName] }, source));
  // When the reply asks to be contacted again; the follow-up is due then (and a decline that asks nothing gets none).
  const later =
    analysis.action === "SCHEDULE_FOLLOW_UP" && analysis.intent !== "OUT_OF_OFFICE" ? laterContactRequest(`${analysis.subject}\n${stripQuoted(loaded.text)}`, reference) : null;
  const plan = planForAnalysis(analysis, new Date(), later);

  const outcome = await runUnitOfWork(services, run.actor, async (uow) => {
    await uow.tx.$queryRaw`SELECT "id" FROM "InboundMessage" WHERE "id" = ${inboundMessageId}::uuid FOR UPDATE`;
    const message = await uow.tx.inboundMessage.findUniqueOrThrow({
      where: { id: inboundMessageId },
      include: { contact: true, lead: { select: { id: true, ownerId: true } } },
    });
    // A retried run whose first attempt got this far already acted: store, do not act twice.
    const repeated = message.analysisRunId === run.runId;
    await uow.tx.inboundMessage.update({
      where: { id: message.id },
      data: {
        status: "ANALYSED",
        intent: analysis.intent,
        action: analysis.action,
        relevance: analysis.relevance,
        analysis: analysis as unknown as Prisma.InputJsonValue,
        analysedAt: new Date(),
        analysisRunId: run.runId,
      },
    });
    // What the rules suppressed at ingest is already listed; a model's unsubscribe or bounce is added now.
    const suppressed: string[] = [];
    // A bounce the model read came through a relay: suppress only the failed recipients we really sent to (never the relay).
    const toSuppress = analysis.source === "model" && analysis.intent === "BOUNCE" ? await recipientsWeSentTo(uow, analysis.suppress, bounceMessageIds(message)) : analysis.suppress;
    for (const raw of toSuppress) {
      const entry = await recordSuppression(uow, { kind: "EMAIL", value: normaliseEmail(raw), reason: suppressionReasonFor(analysis), note: `Inbound analysis (${analysis.source}): message ${message.messageId}`.slice(0, 500) });
      if (entry.created) suppressed.push(normaliseEmail(raw));
    }
    if (suppressed.length) await uow.tx.inboundMessage.update({ where: { id: message.id }, data: { suppressed: [...new Set([...message.suppressed, ...suppressed])] } });

    // Sequences: a reply ends the sender's enrolments (a step draft awaiting approval is cancelled); an out-of-office
    // pauses them; a meeting request or an objection branches: the reply draft below is written with its brief.
    const bounce = repeated ? null : await bounceOf(uow, message, analysis);
    const sequences = repeated
      ? null
      : await applyInboundToSequences(services, uow, {
          inboundMessageId: message.id,
          contactId: message.contactId,
          intent: analysis.intent,
          automated: message.automated || analysis.neverReply || analysis.automation.automated,
          ruleKind: message.ruleKind,
          returnDate: analysis.returnDate,
          bounce: bounce?.kind ?? null,
          bouncedAddress: bounce?.address ?? null,
        });
    const branch = sequences?.branches[0]?.branch ?? null;
    const acted = repeated ? { taskIds: [], rescheduledTaskIds: [], enqueuedRunIds: [], draftReply: false } : await act(services, uow, run, message, plan, branch);
    if (sequences?.branches.length) {
      const summary = { branch, inboundMessageId: message.id, enrollmentIds: sequences.branches.map((b) => b.enrollmentId), draftReply: acted.draftReply, agentRunIds: acted.enqueuedRunIds };
      await uow.audit({ action: "sequence.branched", targetType: "InboundMessage", targetId: message.id, summary });
      await uow.emit("sales.sequence.branched", { ...summary, contactId: message.contactId, sequenceIds: sequences.branches.map((b) => b.sequenceId) });
    }
    // The reply's intent is something qualification assist reads: rescore the lead.
    if (message.leadId && !repeated) await enqueueLeadScoring(services, uow, [message.leadId]);
    await uow.audit({
      action: "message.analysed",
      targetType: "InboundMessage",
      targetId: message.id,
      summary: { intent: analysis.intent, action: analysis.action, source: analysis.source, suppressed, ...acted },
    });
    await uow.emit("sales.message.analysed", {
      inboundMessageId: message.id,
      intent: analysis.intent,
      action: analysis.action,
      relevance: analysis.relevance,
      source: analysis.source,
      neverReply: analysis.neverReply,
      contactId: message.contactId,
      leadId: message.leadId,
      threadId: message.threadId,
      agentRunId: run.runId,
    });
    return ok({ suppressed, ...acted });
  });
  if (!outcome.ok) throw new Error(outcome.errors.map((e) => e.message).join(" "));
  return { inboundMessageId, intent: analysis.intent, action: analysis.action, source: analysis.source, ...outcome.value };
}

type LoadedMessage = Prisma.InboundMessageGetPayload<{ include: { contact: true; lead: { select: { id: true; ownerId: true } } } }>;

/**
 * A bounce, hard or soft, and the address it is about. The rules record the
 * deliverability signal at ingest; a bounce only the model recognised (a
 * relayed notice without its DSN) is recorded here, against our send it
 * quotes or the recipient's last send, so it counts in the mailbox's bounce
 * rates like any other (and a repeated soft one pauses the recipient's
 * enrolments). Hard or soft: the signal's kind, else the rules' verdict, else
 * the notice's status code and wording.
 */
async function bounceOf(
  uow: UnitOfWork,
  message: LoadedMessage,
  analysis: { intent: string; bounce: { hard: boolean; recipients: string[] } | null },
): Promise<{ kind: "HARD" | "SOFT"; address: string | null } | null> {
  if (analysis.intent !== "BOUNCE" && message.ruleKind !== "BOUNCE") return null;
  const hard = analysis.bounce ? analysis.bounce.hard : classifyBounceText(`${message.subject}\n${message.text}`).hard;
  let signal = await uow.tx.deliverabilitySignal.findFirst({ where: { inboundMessageId: message.id }, select: { kind: true, recipientEmail: true } });
  if (!signal) {
    const now = new Date();
    await recordDeliverabilitySignal(uow, {
      inboundMessageId: message.id,
      kind: hard ? "HARD_BOUNCE" : "SOFT_BOUNCE",
      // Not the message's contact: that is whoever relayed the notice. The recipients its content names that we
      // sent to, else the send it quotes, tell.
      recipients: await recipientsWeSentTo(uow, analysis.bounce?.recipients ?? [], bounceMessageIds(message)),
      messageIds: bounceMessageIds(message),
      mailbox: message.mailbox,
      occurredAt: message.sentAt && message.sentAt <= now ? message.sentAt : message.receivedAt,
    });
    signal = await uow.tx.deliverabilitySignal.findFirst({ where: { inboundMessageId: message.id }, select: { kind: true, recipientEmail: true } });
  }
  if (signal) return { kind: signal.kind === "SOFT_BOUNCE" ? "SOFT" : "HARD", address: signal.recipientEmail };
  return { kind: hard ? "HARD" : "SOFT", address: analysis.bounce?.recipients[0] ?? null };
}

function bounceMessageIds(message: LoadedMessage): string[] {
  return [...(message.inReplyTo ? [message.inReplyTo] : []), ...message.references, ...ourMessageIdsIn(message.raw ?? message.text)];
}

/**
 * Of the failed recipients a relayed bounce names, those we sent to: each has
 * a send of ours, and when the notice quotes one of our Message-IDs, the
 * recipient of that send is the one (its content must then name it, or name
 * nobody). An address we never mailed is never suppressed on a bounce's word.
 */
async function recipientsWeSentTo(uow: UnitOfWork, candidates: string[], messageIds: string[]): Promise<string[]> {
  const named = [...new Set(candidates.map(normaliseEmail).filter(Boolean))].slice(0, 50);
  const quoted = messageIds.length ? await uow.tx.emailSend.findFirst({ where: { messageId: { in: messageIds.slice(0, 50) } }, orderBy: { reservedAt: "desc" }, select: { recipientEmail: true } }) : null;
  if (quoted) return !named.length || named.includes(quoted.recipientEmail) ? [quoted.recipientEmail] : [];
  if (!named.length) return [];
  const sent = await uow.tx.emailSend.findMany({ where: { recipientEmail: { in: named }, state: "SENT" }, distinct: ["recipientEmail"], select: { recipientEmail: true } });
  const ours = new Set(sent.map((s) => s.recipientEmail));
  return named.filter((a) => ours.has(a));
}

async function act(services: Services, uow: UnitOfWork, run: AgentRunContext, message: LoadedMessage, plan: ReturnType<typeof planForAnalysis>, branch: SequenceBranch | null = null) {
  const taskIds: string[] = [];
  const rescheduledTaskIds: string[] = [];
  const enqueuedRunIds: string[] = [];
  const linked = [...(message.leadId ? [{ leadId: message.leadId }] : []), ...(message.contactId ? [{ contactId: message.contactId }] : [])];
  const owner = message.lead?.ownerId ?? message.contact?.ownerId ?? undefined;
  const links = { leadId: message.leadId ?? undefined, contactId: message.contactId ?? undefined };

  if (plan.followUp && linked.length) {
    const open = await uow.tx.task.findMany({ where: { status: "OPEN", OR: linked }, select: { id: true, dueAt: true } });
    if (plan.followUp.reschedule && open.length) {
      for (const task of open.filter((t) => !t.dueAt || t.dueAt < plan.followUp!.dueAt)) {
        await uow.tx.task.update({ where: { id: task.id }, data: { dueAt: plan.followUp.dueAt } });
        await uow.audit({ action: "task.rescheduled", targetType: "Task", targetId: task.id, summary: { from: task.dueAt, to: plan.followUp.dueAt, because: `out of office (message ${message.id})` } });
        await uow.emit("sales.task.rescheduled", { taskId: task.id, dueAt: plan.followUp.dueAt.toISOString(), previousDueAt: task.dueAt?.toISOString() ?? null });
        rescheduledTaskIds.push(task.id);
      }
    } else if (!open.length) {
      const created = await createTaskInUnitOfWork(uow, { title: plan.followUp.title, description: `From inbound message "${message.subject}".`, dueAt: plan.followUp.dueAt, assigneeId: owner, ...links });
      if (created.ok) taskIds.push(created.value.taskId);
    }
  }
  if (plan.escalate && linked.length) {
    const created = await createTaskInUnitOfWork(uow, { title: plan.escalate.title, description: plan.escalate.description, dueAt: new Date(), assigneeId: owner, ...links });
    if (created.ok) taskIds.push(created.value.taskId);
  }

  const settings = readTenantSettings((await uow.tx.tenant.findUniqueOrThrow({ where: { id: run.tenantId }, select: { settings: true } })).settings).agents;
  const contact = message.contact;
  const reachable =
    !!contact?.email && !contact.doNotContact && !(await suppressionCheck.isSuppressed(uow.tx, { tenantId: run.tenantId, email: contact.email, domain: contact.email.split("@")[1] ?? null }));
  // A sequence branch asks for its reply draft even when the tenant has automatic reply drafts off: the
  // cadence's author chose that follow-through. It is a draft for review like any other.
  const draftReply = ((plan.reply && settings.draftReplies) || !!branch) && reachable && !message.automated;
  const recommend = settings.recommendAfterInbound && !!message.leadId;
  if (message.threadId && !message.automated) {
    const next = await run.enqueue(uow, {
      agent: "thread-reader",
      input: { threadId: message.threadId, then: { draftReply: draftReply ? { inboundMessageId: message.id, ...(branch ? { sequenceBranch: branch } : {}) } : null, recommend } },
      leadId: message.leadId,
    });
    enqueuedRunIds.push(next.runId);
  } else if (draftReply && branch && message.contactId) {
    // No thread to read first: the writer answers the message directly.
    const next = await run.enqueue(uow, {
      agent: "draft-writer",
      input: { kind: "REPLY", contactId: message.contactId, leadId: message.leadId, inboundMessageId: message.id, sequenceBranch: branch, then: { recommend } },
      leadId: message.leadId,
    });
    enqueuedRunIds.push(next.runId);
  } else if (recommend) {
    enqueuedRunIds.push((await run.enqueue(uow, { agent: "recommender", input: { leadId: message.leadId }, leadId: message.leadId })).runId);
  }
  return { taskIds, rescheduledTaskIds, enqueuedRunIds, draftReply };
}
