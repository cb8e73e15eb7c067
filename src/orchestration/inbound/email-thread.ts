// Threads: which conversation an inbound message belongs to (the message it
// answers, by In-Reply-To/References — one of ours or one of theirs — else
// the same subject with the same contact recently), and the thread reader
// agent, which turns a thread into structured facts (asks, dates,
// objections, commitments, next step) for the writer and the recommender.
import { memoriesForContext } from "../memory/memory.js";
import type { ThreadMessage } from "../../ai/prompts/thread-reader.js";
import { withTenant, type Prisma, type Tx } from "../../data/database.js";
import { subjectKey } from "../../domain/inbound/inbound-message.js";
import { stripQuoted } from "../../domain/draft/voice.js";
import { ok } from "../../domain/user-error.js";
import { AgentSkip, type AgentRunContext } from "../agent/agent-run.js";
import type { Services } from "../services.js";
import { runUnitOfWork } from "../unit-of-work.js";
import type { SequenceBranch } from "../../domain/sequence/sequence.js";

/** A subject match only joins a thread that was active this recently. */
const SUBJECT_MATCH_DAYS = 60;

export interface ThreadTarget {
  tenantId: string;
  /** In-Reply-To first, then References (newest first). */
  messageIds: string[];
  subject: string;
  contactId: string | null;
  leadId: string | null;
  at: Date;
}

/** Finds or starts the thread of a message and counts the message in it. */
export async function resolveThread(tx: Tx, target: ThreadTarget): Promise<{ threadId: string; created: boolean }> {
  const key = subjectKey(target.subject);
  let threadId: string | null = null;
  let ourDraftId: string | null = null;
  if (target.messageIds.length) {
    const theirs = await tx.inboundMessage.findFirst({
      where: { messageId: { in: target.messageIds }, threadId: { not: null } },
      orderBy: { receivedAt: "desc" },
      select: { threadId: true },
    });
    threadId = theirs?.threadId ?? null;
    if (!threadId) {
      const ours = await tx.draft.findFirst({ where: { messageId: { in: target.messageIds } }, orderBy: { createdAt: "desc" }, select: { id: true, threadId: true } });
      threadId = ours?.threadId ?? null;
      if (ours && !ours.threadId) ourDraftId = ours.id;
    }
  }
  if (!threadId && key && target.contactId) {
    const recent = await tx.emailThread.findFirst({
      where: { contactId: target.contactId, subjectKey: key, lastMessageAt: { gte: new Date(target.at.getTime() - SUBJECT_MATCH_DAYS * 86_400_000) } },
      orderBy: { lastMessageAt: "desc" },
      select: { id: true },
    });
    threadId = recent?.id ?? null;
  }
  if (threadId) {
    const thread = await tx.emailThread.findUniqueOrThrow({ where: { id: threadId } });
    await tx.emailThread.update({
      where: { id: threadId },
      data: {
        messageCount: { increment: 1 },
        lastMessageAt: thread.lastMessageAt > target.at ? thread.lastMessageAt : target.at,
        ...(!thread.contactId && target.contactId ? { contactId: target.contactId } : {}),
        ...(!thread.leadId && target.leadId ? { leadId: target.leadId } : {}),
      },
    });
    return { threadId, created: false };
  }
  const thread = await tx.emailThread.create({
    data: {
      tenantId: target.tenantId,
      subject: target.subject.slice(0, 998),
      subjectKey: key,
      contactId: target.contactId,
      leadId: target.leadId,
      messageCount: 1,
      lastMessageAt: target.at,
    },
    select: { id: true },
  });
  // The reply answers one of our sent drafts that started the conversation: it belongs to the thread too.
  if (ourDraftId) await tx.draft.update({ where: { id: ourDraftId }, data: { threadId: thread.id } });
  return { threadId: thread.id, created: true };
}

/** The messages of a thread in the thread reader's terms, oldest first (the latest 50). */
export async function threadMessages(tx: Tx, threadId: string): Promise<ThreadMessage[]> {
  const [inbound, outbound] = await Promise.all([
    tx.inboundMessage.findMany({ where: { threadId }, select: { fromEmail: true, sentAt: true, receivedAt: true, subject: true, text: true } }),
    tx.draft.findMany({ where: { threadId, status: "SENT" }, select: { mailbox: true, sentAt: true, updatedAt: true, subject: true, bodyText: true } }),
  ]);
  const messages: ThreadMessage[] = [
    ...inbound.map((m) => ({
      from: m.fromEmail ?? "unknown",
      direction: "INBOUND" as const,
      sentAt: (m.sentAt ?? m.receivedAt).toISOString(),
      subject: m.subject,
      text: stripQuoted(m.text).slice(0, 8_000),
    })),
    ...outbound.map((d) => ({ from: d.mailbox, direction: "OUTBOUND" as const, sentAt: (d.sentAt ?? d.updatedAt).toISOString(), subject: d.subject, text: stripQuoted(d.bodyText).slice(0, 8_000) })),
  ];
  return messages.sort((a, b) => a.sentAt.localeCompare(b.sentAt)).slice(-50);
}

export interface ThreadReaderInput {
  threadId: string;
  /** Agents to run once the facts are stored (they use them). */
  then?: { draftReply?: { inboundMessageId: string; sequenceBranch?: SequenceBranch | null } | null; recommend?: boolean } | null;
}

/** The thread reader agent: summarise, store the facts on the thread, then start the agents that use them. */
export async function runThreadReader(services: Services, run: AgentRunContext): Promise<Record<string, unknown>> {
  const input = run.input as unknown as ThreadReaderInput;
  const loaded = await withTenant(services.db.prisma, { tenantId: run.tenantId }, async (tx) => {
    const thread = await tx.emailThread.findUnique({ where: { id: input.threadId }, include: { contact: { select: { firstName: true, lastName: true, companyId: true } } } });
    if (!thread) return null;
    const inThread = await tx.inboundMessage.findMany({ where: { threadId: thread.id }, select: { id: true } });
    return { thread, messages: await threadMessages(tx, thread.id), inThread: inThread.map((m) => m.id) };
  });
  if (!loaded) throw new AgentSkip("the thread no longer exists");
  if (loaded.messages.length === 0) throw new AgentSkip("the thread has no messages to read");
  const { thread, messages } = loaded;
  // Long memory: earlier history with the contact outside this thread (its own messages and summary excluded).
  const memories = await memoriesForContext(services, run.ai, {
    query: messages.slice(-2).map((m) => `${m.subject} ${m.text}`).join(" ").slice(0, 1_000),
    contactId: thread.contactId,
    companyId: thread.contact?.companyId ?? null,
    excludeSourceIds: [thread.id, ...loaded.inThread],
  });
  const facts = run.use(
    await services.ai.readThread(
      { ...run.ai, knownNames: [thread.contact?.firstName, thread.contact?.lastName] },
      { messages, memories: memories.map((m) => ({ source: m.source, date: m.occurredAt, title: m.title, excerpt: m.excerpt })) },
    ),
  );
  const outcome = await runUnitOfWork(services, run.actor, async (uow) => {
    const current = await uow.tx.emailThread.findUniqueOrThrow({ where: { id: thread.id }, select: { factsRunId: true, leadId: true, contactId: true } });
    const repeated = current.factsRunId === run.runId;
    await uow.tx.emailThread.update({
      where: { id: thread.id },
      data: { facts: facts as unknown as Prisma.InputJsonValue, factsUpdatedAt: new Date(), factsRunId: run.runId },
    });
    await uow.emit("sales.thread.read", { threadId: thread.id, leadId: current.leadId, contactId: current.contactId, nextStep: facts.nextStep, agentRunId: run.runId });
    const enqueued: string[] = [];
    // A retried run whose first attempt got this far has already started the followers.
    if (!repeated) {
      const recommend = !!input.then?.recommend && !!current.leadId;
      if (input.then?.draftReply && current.contactId) {
        // The writer starts the recommender when its draft exists, so no recommendation proposes the reply being written.
        const next = await run.enqueue(uow, {
          agent: "draft-writer",
          input: {
            kind: "REPLY",
            contactId: current.contactId,
            leadId: current.leadId,
            threadId: thread.id,
            inboundMessageId: input.then.draftReply.inboundMessageId,
            ...(input.then.draftReply.sequenceBranch ? { sequenceBranch: input.then.draftReply.sequenceBranch } : {}),
            then: { recommend },
          },
          leadId: current.leadId,
        });
        enqueued.push(next.runId);
      } else if (recommend) {
        enqueued.push((await run.enqueue(uow, { agent: "recommender", input: { leadId: current.leadId }, leadId: current.leadId })).runId);
      }
    }
    return ok(enqueued);
  });
  return {
    threadId: thread.id,
    messages: messages.length,
    asks: facts.asks.length,
    objections: facts.objections.length,
    commitments: facts.commitments.length,
    nextStep: facts.nextStep,
    enqueuedRunIds: outcome.ok ? outcome.value : [],
  };
}
