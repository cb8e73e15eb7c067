// outcomeReport against a seeded history whose figures are worked out by hand
// below (literal numbers, not recomputed with the report's SQL): the funnel and
// its medians, DAY and WEEK buckets across the spring DST change in
// Europe/Berlin (29 March 2026), agent performance, AI drafts (rejection
// reasons, edit distance), recommendations, intents and system health; another
// tenant's rows are never counted; the permission check.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { asOwner } from "../../helpers/database.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";

const Report = graphql(`
  query OutcomeReportAll($input: OutcomeReportInput!) {
    outcomeReport(input: $input) {
      userErrors { field message code }
      report {
        timeZone
        funnel { step count conversion ofDrafted medianHoursFromPrevious }
        periods { start label drafted sent replied }
        agents { agent runs succeeded failed dead latencyP50Ms latencyP95Ms invocations costUsd }
        aiDrafts { total approved rejected sent approvalRate rejectionRate topRejectionReasons { reason count } meanEditDistance medianReviewHours }
        recommendations { total accepted dismissed expired open acceptanceRate dismissalRate topDismissalReasons { reason count } }
        intents { intent count share }
        health {
          queues { queue waiting active failed oldestWaitingSeconds }
          deadLetters outboxPending outboxLagSeconds
          mailboxes { mailbox used limit remaining }
          ai { externalTokens monthlyTokenBudget tokenBudgetUsed }
        }
      }
    }
  }
`);

const CreateKey = graphql(`
  mutation OutcomeReportCreateKey($input: ApiKeyCreateInput!) {
    apiKeyCreate(input: $input) { secret userErrors { code } }
  }
`);

// The period: Monday 23 March to Monday 6 April 2026, midnight in Berlin (CET +1 before the 29th, CEST +2 after).
const FROM = "2026-03-22T23:00:00.000Z";
const TO = "2026-04-05T22:00:00.000Z";

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let c: TestTenant;

type Q = (sql: string, params?: unknown[]) => Promise<void>;

async function seed(client: pg.Client, tenantId: string, fn: (q: Q, h: ReturnType<typeof helpers>) => Promise<void>) {
  const q: Q = async (sql, params) => {
    await client.query(sql, params);
  };
  await fn(q, helpers(q, tenantId));
}

function helpers(q: Q, tenantId: string) {
  return {
    async contact(email: string): Promise<string> {
      const id = randomUUID();
      await q(`INSERT INTO "Contact" ("id","tenantId","email","updatedAt") VALUES ($1,$2,$3,now())`, [id, tenantId, email]);
      return id;
    },
    async thread(contactId: string): Promise<string> {
      const id = randomUUID();
      await q(`INSERT INTO "EmailThread" ("id","tenantId","subject","subjectKey","contactId","lastMessageAt","updatedAt") VALUES ($1,$2,'s','s',$3,now(),now())`, [id, tenantId, contactId]);
      return id;
    },
    async run(agent: string, status: string, queuedAt: string, seconds: number): Promise<string> {
      const jobId = randomUUID();
      const started = new Date(queuedAt);
      const finished = new Date(started.getTime() + seconds * 1000);
      await q(
        `INSERT INTO "AgentRun" ("id","tenantId","agent","queue","status","maxAttempts","jobId","triggeredBy","queuedAt","startedAt","finishedAt","updatedAt")
         VALUES ($1,$2,$3,$3,$4::"AgentRunStatus",3,$5,'test',$6,$6,$7,now())`,
        [randomUUID(), tenantId, agent, status, jobId, started, finished],
      );
      return jobId;
    },
    async draft(d: {
      contactId: string;
      origin: "AGENT" | "OPERATOR";
      originRef?: string;
      status: string;
      createdAt: string;
      approvedAt?: string;
      sentAt?: string;
      updatedAt?: string;
      threadId?: string;
      rejectionReason?: string;
      revision?: number;
      subject?: string;
      bodyText?: string;
      original?: { subject: string; bodyText: string };
      mailbox?: string;
    }): Promise<string> {
      const id = randomUUID();
      await q(
        `INSERT INTO "Draft" ("id","tenantId","contactId","mailbox","recipientEmail","origin","originRef","authorType","authorId","authorLabel","status","revision",
           "subject","bodyText","qualityReport","rejectionReason","approvedAt","sentAt","messageId","threadId","createdAt","updatedAt")
         VALUES ($1,$2,$3,$4,'x@example.com',$5::"DraftOrigin",$6,'USER','u','u',$7::"DraftStatus",$8,$9,$10,'{}',$11,$12,$13,$14,$15,$16,$17)`,
        [id, tenantId, d.contactId, d.mailbox ?? "sales@a.example", d.origin, d.originRef ?? null, d.status, d.revision ?? 1, d.subject ?? "hi", d.bodyText ?? "hello",
          d.rejectionReason ?? null, d.approvedAt ?? null, d.sentAt ?? null, `<${id}@test>`, d.threadId ?? null, d.createdAt, d.updatedAt ?? d.createdAt],
      );
      const original = d.original ?? { subject: d.subject ?? "hi", bodyText: d.bodyText ?? "hello" };
      await q(
        `INSERT INTO "DraftRevision" ("id","tenantId","draftId","number","subject","bodyText","qualityReport","authorType","authorId","authorLabel","createdAt")
         VALUES ($1,$2,$3,1,$4,$5,'{}','AGENT','a','a',$6)`,
        [randomUUID(), tenantId, id, original.subject, original.bodyText, d.createdAt],
      );
      return id;
    },
    async inbound(m: { contactId?: string; threadId?: string; receivedAt: string; intent?: string; automated?: boolean; ruleKind?: string }) {
      await q(
        `INSERT INTO "InboundMessage" ("id","tenantId","messageId","subject","text","receivedAt","automated","intent","ruleKind","threadId","contactId","status")
         VALUES ($1,$2,$3,'re','t',$4,$5,$6::"InboundIntent",$7,$8,$9,'ANALYSED')`,
        [randomUUID(), tenantId, `<${randomUUID()}@them>`, m.receivedAt, m.automated ?? false, m.intent ?? null, m.ruleKind ?? null, m.threadId ?? null, m.contactId ?? null],
      );
    },
  };
}

beforeAll(async () => {
  t = await startTestApp({ env: { AGENT_WORKERS: "0", SEND_WORKERS: "0" } });
  a = await createTenant(t, "rep-a");
  b = await createTenant(t, "rep-b");
  c = await createTenant(t, "rep-c");
  await asOwner(t.db, async (client) => {
    await client.query(`UPDATE "Tenant" SET "settings" = $2 WHERE "id" = $1`, [a.tenantId, { general: { timeZone: "Europe/Berlin" }, ai: { monthlyTokenBudget: 4000 } }]);
    await seed(client, a.tenantId, async (q, h) => {
      const [c1, c2, c3, c6, c7] = [await h.contact("c1@x.example"), await h.contact("c2@x.example"), await h.contact("c3@x.example"), await h.contact("c6@x.example"), await h.contact("c7@x.example")];
      const [t1, t2] = [await h.thread(c1), await h.thread(c2)];
      // Agent runs (all queued in the period): draft-writer 10/20/30/40 s, recommender 5 s.
      const r1 = await h.run("draft-writer", "SUCCEEDED", "2026-03-24T08:00:00Z", 10);
      const r2 = await h.run("draft-writer", "SUCCEEDED", "2026-03-28T22:00:00Z", 20);
      await h.run("draft-writer", "FAILED", "2026-03-30T08:00:00Z", 30);
      await h.run("draft-writer", "DEAD", "2026-03-31T08:00:00Z", 40);
      await h.run("recommender", "SUCCEEDED", "2026-04-01T08:00:00Z", 5);
      // D1: AI, edited before sending (5 words each side, 4 shared: distance 0.2); reply after 24 h (INTERESTED),
      // meeting 24 h later, deal 24 h later, won 72 h later.
      await h.draft({ contactId: c1, origin: "AGENT", originRef: r1, status: "SENT", createdAt: "2026-03-24T09:00:00Z", approvedAt: "2026-03-24T11:00:00Z",
        sentAt: "2026-03-24T12:00:00Z", threadId: t1, revision: 2, subject: "Hi", bodyText: "Hello alpha, beta delta.", original: { subject: "hi", bodyText: "hello alpha beta gamma" } });
      await h.inbound({ contactId: c1, threadId: t1, receivedAt: "2026-03-25T12:00:00Z", intent: "INTERESTED" });
      await q(`INSERT INTO "Activity" ("id","tenantId","type","direction","occurredAt","contactId") VALUES ($1,$2,'MEETING','OUTBOUND','2026-03-26T12:00:00Z',$3)`, [randomUUID(), a.tenantId, c1]);
      const deal = randomUUID();
      await q(`INSERT INTO "Deal" ("id","tenantId","name","stage","status","currency","probability","closedAt","createdAt","updatedAt") VALUES ($1,$2,'d','won','WON','EUR',100,'2026-03-30T12:00:00Z','2026-03-27T12:00:00Z',now())`, [deal, a.tenantId]);
      await q(`INSERT INTO "DealContact" ("id","tenantId","dealId","contactId") VALUES ($1,$2,$3,$4)`, [randomUUID(), a.tenantId, deal, c1]);
      // D2: AI, created 23:30 Berlin on the 28th; sent unedited on the 29th; MEETING_REQUEST reply at 01:00 CEST on the 30th (23:00Z on the 29th).
      await h.draft({ contactId: c2, origin: "AGENT", originRef: r2, status: "SENT", createdAt: "2026-03-28T22:30:00Z", approvedAt: "2026-03-29T10:00:00Z", sentAt: "2026-03-29T11:00:00Z", threadId: t2 });
      await h.inbound({ contactId: c2, threadId: t2, receivedAt: "2026-03-29T23:00:00Z", intent: "MEETING_REQUEST" });
      // D3–D5: AI, rejected after 4 h, 2 h, 1 h. D3 is 00:30 CEST on the 30th (still the 29th in UTC).
      await h.draft({ contactId: c3, origin: "AGENT", originRef: r1, status: "REJECTED", createdAt: "2026-03-29T22:30:00Z", updatedAt: "2026-03-30T02:30:00Z", rejectionReason: "Too pushy " });
      await h.draft({ contactId: c3, origin: "AGENT", originRef: r1, status: "REJECTED", createdAt: "2026-03-31T08:00:00Z", updatedAt: "2026-03-31T10:00:00Z", rejectionReason: "too  PUSHY" });
      await h.draft({ contactId: c3, origin: "AGENT", originRef: r1, status: "REJECTED", createdAt: "2026-04-01T08:00:00Z", updatedAt: "2026-04-01T09:00:00Z", rejectionReason: "wrong person" });
      // D6: an operator's, sent and bounced. D7 (operator) and D8 (AI) wait for review.
      await h.draft({ contactId: c6, origin: "OPERATOR", status: "SENT", createdAt: "2026-04-02T08:00:00Z", approvedAt: "2026-04-02T09:00:00Z", sentAt: "2026-04-02T10:00:00Z", mailbox: "other@a.example" });
      await h.inbound({ contactId: c6, receivedAt: "2026-04-02T10:05:00Z", intent: "BOUNCE", automated: true, ruleKind: "BOUNCE" });
      await h.draft({ contactId: c3, origin: "OPERATOR", status: "PENDING_REVIEW", createdAt: "2026-04-03T08:00:00Z" });
      await h.draft({ contactId: c3, origin: "AGENT", originRef: r1, status: "PENDING_REVIEW", createdAt: "2026-04-03T09:00:00Z" });
      // Outside the period: created after `to`; and one created long before, sent an hour ago (quota use now).
      await h.draft({ contactId: c3, origin: "OPERATOR", status: "SENT", createdAt: "2026-04-06T10:00:00Z", approvedAt: "2026-04-06T11:00:00Z", sentAt: "2026-04-06T12:00:00Z" });
      const old = await h.draft({ contactId: c3, origin: "OPERATOR", status: "SENT", createdAt: "2026-01-01T10:00:00Z", approvedAt: "2026-01-01T11:00:00Z", sentAt: "2026-01-01T12:00:00Z" });
      await q(`INSERT INTO "EmailSend" ("id","tenantId","draftId","mailbox","recipientEmail","recipientDomain","state","transport","messageId","reservedAt","sentAt")
               VALUES ($1,$2,$3,'sales@a.example','x@example.com','example.com','SENT','local',$4,now() - interval '1 hour',now() - interval '1 hour')`, [randomUUID(), a.tenantId, old, `<${old}@s>`]);
      // An unrelated analysed question.
      await h.inbound({ contactId: c7, receivedAt: "2026-04-04T10:00:00Z", intent: "QUESTION" });
      // AI calls: draft-writer 0.01 + 0.02 USD, recommender 0.005 (in the period); one external call this month.
      for (const [agent, cost, at] of [["draft-writer", 0.01, "2026-03-24T08:00:01Z"], ["draft-writer", 0.02, "2026-03-28T22:00:01Z"], ["recommender", 0.005, "2026-04-01T08:00:01Z"]] as const) {
        await q(`INSERT INTO "AiInvocation" ("id","tenantId","agent","operation","provider","model","external","inputHash","costUsd","latencyMs","outcome","createdAt")
                 VALUES ($1,$2,$3,'generate','local','m',false,'h',$4,1,'SUCCESS',$5)`, [randomUUID(), a.tenantId, agent, cost, at]);
      }
      await q(`INSERT INTO "AiInvocation" ("id","tenantId","agent","operation","provider","model","external","inputHash","totalTokens","costUsd","latencyMs","outcome","createdAt")
               VALUES ($1,$2,'draft-writer','generate','openai','m',true,'h',1000,0.5,1,'SUCCESS',now())`, [randomUUID(), a.tenantId]);
      // Recommendations: 2 accepted, 2 dismissed ("Not now" twice), 1 expired.
      for (const [status, feedback] of [["ACCEPTED", null], ["ACCEPTED", null], ["DISMISSED", "Not now"], ["DISMISSED", "not now"], ["EXPIRED", null]] as const) {
        await q(`INSERT INTO "Recommendation" ("id","tenantId","tool","title","params","rationale","confidence","rank","expiresAt","status","feedback","audienceRole","provider","createdAt","updatedAt")
                 VALUES ($1,$2,'scheduleFollowUp','t','{}','r',0.5,1,'2026-05-01T00:00:00Z',$3::"RecommendationStatus",$4,'OPERATOR','local','2026-03-25T08:00:00Z',now())`,
          [randomUUID(), a.tenantId, status, feedback]);
      }
      // Jobs: two waiting for the draft writer (10 and 5 minutes old), one in the dead-letter queue.
      for (const [name, age] of [["agent-draft-writer", 600], ["agent-draft-writer", 300], ["agent-dead-letter", 60]] as const) {
        await q(`INSERT INTO pgboss.job (name, data, created_on, start_after) VALUES ($1, $2, now() - make_interval(secs => $3), now() + interval '1 day')`, [name, { tenantId: a.tenantId, runId: randomUUID() }, age]);
      }
    });
    // Tenant B: a sent, replied draft in the same period and a waiting job — never in A's figures.
    await seed(client, b.tenantId, async (q, h) => {
      const cb = await h.contact("b@x.example");
      const tb = await h.thread(cb);
      await h.draft({ contactId: cb, origin: "AGENT", status: "SENT", createdAt: "2026-03-24T09:00:00Z", approvedAt: "2026-03-24T10:00:00Z", sentAt: "2026-03-24T11:00:00Z", threadId: tb, mailbox: "sales@a.example" });
      await h.inbound({ contactId: cb, threadId: tb, receivedAt: "2026-03-24T12:00:00Z", intent: "INTERESTED" });
      await h.run("draft-writer", "SUCCEEDED", "2026-03-24T08:00:00Z", 99);
      await q(`INSERT INTO pgboss.job (name, data, start_after) VALUES ('agent-draft-writer', $1, now() + interval '1 day')`, [{ tenantId: b.tenantId }]);
    });
  });
});

afterAll(async () => {
  await t?.close();
});

const ask = (token: string, input: Record<string, unknown>) => executeOk(t.graphqlUrl, Report, { input: { from: FROM, to: TO, ...input } as never }, { token });

describe("outcomeReport", () => {
  it("computes the funnel, its conversions and medians", async () => {
    const { outcomeReport } = await ask(a.members.MANAGER.token, { groupBy: "WEEK" });
    expect(outcomeReport.userErrors).toEqual([]);
    const r = outcomeReport.report!;
    expect(r.timeZone).toBe("Europe/Berlin");
    expect(r.funnel).toEqual([
      { step: "DRAFTED", count: 8, conversion: null, ofDrafted: 1, medianHoursFromPrevious: null },
      // approval after 2 h, 11.5 h, 1 h → median 2 h
      { step: "APPROVED", count: 3, conversion: 0.375, ofDrafted: 0.375, medianHoursFromPrevious: 2 },
      { step: "SENT", count: 3, conversion: 1, ofDrafted: 0.375, medianHoursFromPrevious: 1 },
      // D6 bounced
      { step: "DELIVERED", count: 2, conversion: 0.6667, ofDrafted: 0.25, medianHoursFromPrevious: 0 },
      // replies after 24 h and 12 h → 18 h
      { step: "REPLIED", count: 2, conversion: 1, ofDrafted: 0.25, medianHoursFromPrevious: 18 },
      { step: "POSITIVE_REPLY", count: 2, conversion: 1, ofDrafted: 0.25, medianHoursFromPrevious: 0 },
      // D1's meeting 24 h after the reply, D2's reply was the meeting request (0 h) → 12 h
      { step: "MEETING", count: 2, conversion: 1, ofDrafted: 0.25, medianHoursFromPrevious: 12 },
      { step: "DEAL_CREATED", count: 1, conversion: 0.5, ofDrafted: 0.125, medianHoursFromPrevious: 24 },
      { step: "WON", count: 1, conversion: 1, ofDrafted: 0.125, medianHoursFromPrevious: 72 },
    ]);
  });

  it("buckets by the tenant's local weeks and days across the DST change", async () => {
    const weeks = (await ask(a.members.ANALYST.token, { groupBy: "WEEK" })).outcomeReport.report!.periods;
    expect(weeks).toEqual([
      { start: "2026-03-22T23:00:00.000Z", label: "2026-03-23", drafted: 2, sent: 2, replied: 1 },
      { start: "2026-03-29T22:00:00.000Z", label: "2026-03-30", drafted: 6, sent: 1, replied: 1 },
    ]);
    const days = (await ask(a.members.ANALYST.token, { groupBy: "DAY" })).outcomeReport.report!.periods;
    expect(days).toHaveLength(14);
    const nonEmpty = days.filter((d) => d.drafted || d.sent || d.replied).map((d) => [d.label, d.drafted, d.sent, d.replied]);
    expect(nonEmpty).toEqual([
      ["2026-03-24", 1, 1, 0],
      ["2026-03-25", 0, 0, 1],
      ["2026-03-28", 1, 0, 0],
      ["2026-03-29", 0, 1, 0],
      ["2026-03-30", 1, 0, 1],
      ["2026-03-31", 1, 0, 0],
      ["2026-04-01", 1, 0, 0],
      ["2026-04-02", 1, 1, 0],
      ["2026-04-03", 2, 0, 0],
    ]);
    // The 29th is 23 hours long: its midnight is 23:00Z, the 30th's is 22:00Z.
    expect(days.find((d) => d.label === "2026-03-29")!.start).toBe("2026-03-28T23:00:00.000Z");
    expect(days.find((d) => d.label === "2026-03-30")!.start).toBe("2026-03-29T22:00:00.000Z");
    // In UTC the same events fall on other days: D2's reply and D3 are on the 29th.
    const utc = (await ask(a.members.ANALYST.token, { groupBy: "DAY", timeZone: "UTC" })).outcomeReport.report!.periods;
    expect(utc.find((d) => d.label === "2026-03-29")).toMatchObject({ drafted: 1, sent: 1, replied: 1 });
  });

  it("reports agents, AI drafts, recommendations and intents", async () => {
    const r = (await ask(a.members.OWNER.token, {})).outcomeReport.report!;
    expect(r.agents).toEqual([
      // 10/20/30/40 s: p50 25 s, p95 30 + 0.85·10 = 38.5 s
      { agent: "draft-writer", runs: 4, succeeded: 2, failed: 1, dead: 1, latencyP50Ms: 25000, latencyP95Ms: 38500, invocations: 2, costUsd: 0.03 },
      { agent: "recommender", runs: 1, succeeded: 1, failed: 0, dead: 0, latencyP50Ms: 5000, latencyP95Ms: 5000, invocations: 1, costUsd: 0.005 },
    ]);
    expect(r.aiDrafts).toEqual({
      total: 6,
      approved: 2,
      rejected: 3,
      sent: 2,
      approvalRate: 0.4,
      rejectionRate: 0.6,
      topRejectionReasons: [
        { reason: "too pushy", count: 2 },
        { reason: "wrong person", count: 1 },
      ],
      // (0.2 + 0) / 2
      meanEditDistance: 0.1,
      // 1, 2, 2, 4, 11.5 h
      medianReviewHours: 2,
    });
    expect(r.recommendations).toEqual({
      total: 5, accepted: 2, dismissed: 2, expired: 1, open: 0, acceptanceRate: 0.5, dismissalRate: 0.5,
      topDismissalReasons: [{ reason: "not now", count: 2 }],
    });
    expect(r.intents).toEqual([
      { intent: "BOUNCE", count: 1, share: 0.25 },
      { intent: "INTERESTED", count: 1, share: 0.25 },
      { intent: "MEETING_REQUEST", count: 1, share: 0.25 },
      { intent: "QUESTION", count: 1, share: 0.25 },
    ]);
  });

  it("filters by mailbox and agent", async () => {
    const other = (await ask(a.members.MANAGER.token, { filter: { mailbox: "Other@A.example" } })).outcomeReport.report!;
    expect(other.funnel.slice(0, 4).map((s) => s.count)).toEqual([1, 1, 1, 0]);
    const writer = (await ask(a.members.MANAGER.token, { filter: { agent: "draft-writer" } })).outcomeReport.report!;
    expect(writer.funnel[0]!.count).toBe(6);
    expect(writer.agents.map((x) => x.agent)).toEqual(["draft-writer"]);
  });

  it("shows this tenant's system health only", async () => {
    const h = (await ask(a.members.MANAGER.token, {})).outcomeReport.report!.health;
    expect(h.queues.map((q) => [q.queue, q.waiting, q.active, q.failed])).toEqual([
      ["agent-dead-letter", 1, 0, 0],
      ["agent-draft-writer", 2, 0, 0],
    ]);
    const oldest = h.queues.find((q) => q.queue === "agent-draft-writer")!.oldestWaitingSeconds!;
    expect(oldest).toBeGreaterThanOrEqual(600);
    expect(oldest).toBeLessThan(900);
    expect(h.deadLetters).toBe(1);
    expect(h.mailboxes).toEqual([{ mailbox: "sales@a.example", used: 1, limit: 20, remaining: 19 }]);
    expect(h.ai).toEqual({ externalTokens: 1000, monthlyTokenBudget: 4000, tokenBudgetUsed: 0.25 });
  });

  it("never counts another tenant's rows", async () => {
    const rb = (await ask(b.members.MANAGER.token, { timeZone: "UTC" })).outcomeReport.report!;
    expect(rb.funnel.map((s) => s.count)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(rb.agents).toEqual([expect.objectContaining({ agent: "draft-writer", runs: 1, latencyP50Ms: 99000 })]);
    expect(rb.health.queues.map((q) => [q.queue, q.waiting])).toEqual([["agent-draft-writer", 1]]);
    expect(rb.health.ai.externalTokens).toBe(0);
    const rc = (await ask(c.members.ANALYST.token, {})).outcomeReport.report!;
    expect(rc.funnel.every((s) => s.count === 0)).toBe(true);
    expect(rc.periods.every((p) => p.drafted === 0 && p.sent === 0 && p.replied === 0)).toBe(true);
    expect(rc.agents).toEqual([]);
    expect(rc.intents).toEqual([]);
    expect(rc.recommendations.total).toBe(0);
    expect(rc.aiDrafts.total).toBe(0);
    expect(rc.health.queues).toEqual([]);
    expect(rc.health.mailboxes).toEqual([]);
  });

  it("is for every human role, not for a key scoped without report:read", async () => {
    for (const role of ["OWNER", "ADMIN", "MANAGER", "OPERATOR", "ANALYST"] as const) {
      const res = await execute(t.graphqlUrl, Report, { input: { from: FROM, to: TO } }, { token: a.members[role].token });
      expect(res.errors, role).toBeUndefined();
    }
    const key = await executeOk(t.graphqlUrl, CreateKey, { input: { name: "leads only", role: "MANAGER", scopes: ["LEAD_READ"] } }, { token: a.members.ADMIN.token });
    const res = await execute(t.graphqlUrl, Report, { input: { from: FROM, to: TO } }, { token: key.apiKeyCreate.secret! });
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(res.data?.outcomeReport ?? null).toBeNull();
  });

  it("refuses a period it cannot answer", async () => {
    const back = (await ask(a.members.MANAGER.token, { from: TO, to: FROM })).outcomeReport;
    expect(back.report).toBeNull();
    expect(back.userErrors).toEqual([expect.objectContaining({ code: "VALIDATION_FAILED", field: ["input", "to"] })]);
    const zone = (await ask(a.members.MANAGER.token, { timeZone: "Mars/Olympus" })).outcomeReport;
    expect(zone.userErrors[0]?.field).toEqual(["input", "timeZone"]);
  });
});
