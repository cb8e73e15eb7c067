// voiceLearnFromMailbox over real HTTP against the fake Gmail: the caller's
// own connected mailbox's Sent label becomes voice samples through the
// voiceSamplesImport path (the learner is queued); a re-run adds nothing;
// received mail is never a sample; nobody learns from another member's or
// another tenant's mailbox.
import { randomUUID } from "node:crypto";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ROLES, createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { sql } from "../../helpers/operator.js";
import { withTenant } from "../../../src/data/database.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";
import { connectGoogle, fakeGoogleEnv } from "../../helpers/google.js";

const LEARN = `mutation GmailVoiceLearn($input: VoiceLearnFromMailboxInput) {
  voiceLearnFromMailbox(input: $input) { read imported duplicates sampleCount connection { id } agentRun { id agent } userErrors { code field message } }
}`;

interface LearnResult {
  voiceLearnFromMailbox: { read: number | null; imported: number | null; duplicates: number | null; sampleCount: number | null; connection: { id: string } | null; agentRun: { id: string; agent: string } | null; userErrors: { code: string; field: string[] | null }[] } | null;
}

const REP = "voice-rep@seller.example";
let t: TestApp;
let google: FakeGoogle;
let tenant: TestTenant;
let other: TestTenant;
let connectionId: string;

function sent(from: string, subject: string, body: string, minutesAgo: number): void {
  const date = new Date(Date.now() - minutesAgo * 60_000);
  const raw = [`From: Rita Rep <${from}>`, `To: prospect@customer.example`, `Subject: ${subject}`, `Date: ${date.toUTCString()}`, `Message-ID: <${randomUUID()}@seller.example>`, "Content-Type: text/plain; charset=utf-8", "", body, ""].join("\r\n");
  google.gmail.deliver(from, { raw, labelIds: ["SENT"], internalDate: date.getTime() });
}

const learn = (token: string, input?: Record<string, unknown>) => execute<LearnResult, unknown>(t.graphqlUrl, LEARN, { input }, { token });

beforeAll(async () => {
  google = await startFakeGoogle();
  t = await startTestApp({
    env: {
      ...fakeGoogleEnv(google),
      AGENT_WORKERS: "0",
    },
  });
  tenant = await createTenant(t, "gvoice");
  other = await createTenant(t, "gvoice-other");
  connectionId = await connectGoogle(t, google, { tenant, role: "OPERATOR" }, REP, { scopes: ["gmail.readonly"] });
  sent(REP, "Quick question", "Hi Sam,\n\nThanks for the call today. Would Tuesday work for a demo?\n\nBest regards,\nRita", 30);
  sent(REP, "Following up", "Hi Alex,\n\nJust following up on my note from last week. Happy to share pricing.\n\nBest regards,\nRita", 20);
  sent(REP, "Pilot", "Hi Jo,\n\nGreat to hear the pilot went well! Let's talk next steps.\n\nBest regards,\nRita", 10);
  // Received mail in the same mailbox: never a sample.
  google.gmail.deliver(REP, { raw: [`From: prospect@customer.example`, `To: ${REP}`, `Subject: Hello`, `Message-ID: <${randomUUID()}@customer.example>`, "", "Not Rita's words.", ""].join("\r\n") });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await google?.close();
});

describe("voiceLearnFromMailbox", () => {
  it("imports the caller's recent sent mail as samples and queues the learner; a re-run adds nothing", async () => {
    const r = await learn(tenant.members.OPERATOR.token, { limit: 10 });
    expect(r.errors).toBeUndefined();
    expect(r.data!.voiceLearnFromMailbox).toMatchObject({ read: 3, imported: 3, duplicates: 0, sampleCount: 3, connection: { id: encodeGlobalID("Connection", connectionId) }, agentRun: { agent: "voice-learner" }, userErrors: [] });
    // Through the data layer: the bodies are encrypted at rest (src/data/field-encryption.ts), a raw SELECT sees ciphertext.
    const samples = await withTenant(t.app.services.db.prisma, { tenantId: tenant.tenantId }, (tx) =>
      tx.voiceSample.findMany({ select: { subject: true, body: true, userId: true }, orderBy: { subject: "asc" } }),
    );
    expect((await sql<{ body: string }>(t.db, `SELECT "body" FROM "VoiceSample" WHERE "tenantId" = $1`, [tenant.tenantId])).every((s) => s.body.startsWith("enc1:"))).toBe(true);
    expect(samples.map((s) => s.subject)).toEqual(["Following up", "Pilot", "Quick question"]);
    expect(samples.every((s) => s.userId === tenant.members.OPERATOR.userId)).toBe(true);
    expect(samples[2]!.body).toContain("Would Tuesday work for a demo?");
    expect(samples.some((s) => s.body.includes("Not Rita's words"))).toBe(false);

    const again = await learn(tenant.members.OPERATOR.token, { limit: 10 });
    expect(again.data!.voiceLearnFromMailbox).toMatchObject({ read: 3, imported: 0, duplicates: 3, sampleCount: 3 });
    // One more sent message: only it is new.
    sent(REP, "Thanks", "Hi Sam,\n\nThanks again, talk soon.\n\nBest regards,\nRita", 1);
    const third = await learn(tenant.members.OPERATOR.token, { limit: 2 });
    expect(third.data!.voiceLearnFromMailbox).toMatchObject({ read: 2, imported: 1, duplicates: 1, sampleCount: 4 });
    expect((await sql(t.db, `SELECT 1 FROM "VoiceSample" WHERE "tenantId" = $1`, [tenant.tenantId])).length).toBe(4);
  });

  it("only one's own mailbox: another member's connection reads as not found, no connection is NOT_CONNECTED, another tenant sees nothing", async () => {
    const gid = encodeGlobalID("Connection", connectionId);
    const before = (await sql(t.db, `SELECT 1 FROM "VoiceSample"`)).length;
    // Even an OWNER cannot learn their voice from someone else's mailbox.
    for (const role of ["OWNER", "ADMIN", "MANAGER"] as const) {
      const r = await learn(tenant.members[role].token, { connectionId: gid });
      expect(r.data!.voiceLearnFromMailbox!.userErrors.map((e) => e.code), role).toEqual(["NOT_FOUND"]);
      const own = await learn(tenant.members[role].token, {});
      expect(own.data!.voiceLearnFromMailbox!.userErrors.map((e) => e.code), role).toEqual(["NOT_CONNECTED"]);
    }
    for (const role of ALL_ROLES) {
      const r = await learn(other.members[role].token, { connectionId: gid });
      if (role === "ANALYST") expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      else expect(r.data!.voiceLearnFromMailbox!.userErrors.map((e) => e.code), role).toEqual(["NOT_FOUND"]);
    }
    // ANALYST may not import voice samples at all (draft:write).
    expect((await learn(tenant.members.ANALYST.token, {})).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await learn(tenant.members.OPERATOR.token, { limit: 0 })).data!.voiceLearnFromMailbox!.userErrors.map((e) => e.code)).toEqual(["VALIDATION_FAILED"]);
    expect((await sql(t.db, `SELECT 1 FROM "VoiceSample"`)).length).toBe(before);
  });
});
