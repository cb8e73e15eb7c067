// Voice learning over real HTTP: a member imports their own sent mail (an
// ADMIN may import for another member, nobody else may), duplicates are kept
// once, the learner agent builds the profile, and it is inspectable — within
// the tenant only.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { agentsSettled, OSCAR_SENT_MAIL } from "../../helpers/agents.js";
import { ALL_ROLES, createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { sql } from "../../helpers/operator.js";

const Import = graphql(`
  mutation VoiceImport($input: VoiceSamplesImportInput!) {
    voiceSamplesImport(input: $input) { userId imported duplicates sampleCount agentRun { id agent input } userErrors { code message field } }
  }
`);
const Profile = graphql(`
  query VoiceProfileOf($userId: ID) {
    voiceProfile(userId: $userId) {
      userId sampleCount updatedAt signatureName formality formalityLabel medianWords meanSentenceWords contractionRate exclamationRate commonPhrases
      greeting { text withName punctuation share } signOff { text withName punctuation share } greetingVariants { text }
    }
  }
`);

const FORMAL_MAIL = [
  { subject: "Proposal", body: "Dear Mr. Brown,\n\nPlease find attached our proposal. I would like to discuss the terms at your earliest convenience.\n\nKind regards,\nHelena Fischer" },
  { subject: "Meeting", body: "Dear Ms. Lopez,\n\nThank you for your time yesterday. I would appreciate your feedback on the draft agreement.\n\nKind regards,\nHelena Fischer" },
  { subject: "Follow-up", body: "Dear Dr. Chen,\n\nI am writing to follow up on our conversation. Do not hesitate to contact me should you have any questions.\n\nKind regards,\nHelena Fischer" },
];

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await startTestApp({ env: { AGENT_POLL_SECONDS: "0.5" } });
  tenant = await createTenant(t, "voice");
  other = await createTenant(t, "voice-other");
});
afterAll(() => t?.close());

describe("voiceSamplesImport and voiceProfile", () => {
  it("learns a member's own voice from their sent mail; importing the same mail again adds nothing", async () => {
    const op = tenant.members.OPERATOR;
    const r = await executeOk(t.graphqlUrl, Import, { input: { emails: OSCAR_SENT_MAIL } }, { token: op.token });
    expect(r.voiceSamplesImport).toMatchObject({ userId: encodeGlobalID("User", op.userId), imported: 4, duplicates: 0, sampleCount: 4, agentRun: { agent: "voice-learner", input: { userId: op.userId } }, userErrors: [] });
    await agentsSettled(t, tenant.tenantId);
    const profile = (await executeOk(t.graphqlUrl, Profile, {}, { token: op.token })).voiceProfile!;
    expect(profile).toMatchObject({
      userId: encodeGlobalID("User", op.userId),
      sampleCount: 4,
      signatureName: "Oscar",
      formalityLabel: "casual",
      greeting: { text: "Hey", withName: true, punctuation: "!", share: 1 },
      signOff: { text: "Cheers", punctuation: ",", share: 1 },
    });
    expect(profile.contractionRate).toBeGreaterThan(0);
    expect(profile.medianWords).toBeGreaterThan(10);

    const again = await executeOk(t.graphqlUrl, Import, { input: { emails: [OSCAR_SENT_MAIL[0]!, { subject: "New", body: "Hey Jo!\n\nQuick one: does Friday still work?\n\nCheers,\nOscar" }] } }, { token: op.token });
    expect(again.voiceSamplesImport).toMatchObject({ imported: 1, duplicates: 1, sampleCount: 5 });
    await agentsSettled(t, tenant.tenantId);
    expect((await executeOk(t.graphqlUrl, Profile, {}, { token: op.token })).voiceProfile!.sampleCount).toBe(5);
  });

  it("an ADMIN imports for another member; a MANAGER may not; anyone in the tenant can inspect the profile", async () => {
    const target = tenant.members.MANAGER;
    const byManagerForOther = await executeOk(t.graphqlUrl, Import, { input: { userId: encodeGlobalID("User", tenant.members.OPERATOR.userId), emails: FORMAL_MAIL } }, { token: target.token });
    expect(byManagerForOther.voiceSamplesImport.userErrors[0]).toMatchObject({ code: "FORBIDDEN", field: ["input", "userId"] });
    const r = await executeOk(t.graphqlUrl, Import, { input: { userId: encodeGlobalID("User", target.userId), emails: FORMAL_MAIL } }, { token: tenant.members.ADMIN.token });
    expect(r.voiceSamplesImport).toMatchObject({ imported: 3, userId: encodeGlobalID("User", target.userId), userErrors: [] });
    await agentsSettled(t, tenant.tenantId);
    const seen = (await executeOk(t.graphqlUrl, Profile, { userId: encodeGlobalID("User", target.userId) }, { token: tenant.members.ANALYST.token })).voiceProfile!;
    expect(seen).toMatchObject({ sampleCount: 3, formalityLabel: "formal", greeting: { text: "Dear" }, signOff: { text: "Kind regards" }, signatureName: "Helena Fischer" });
    const samples = await sql<{ importedBy: string }>(t.db, `SELECT DISTINCT "importedBy" FROM "VoiceSample" WHERE "tenantId" = $1 AND "userId" = $2`, [tenant.tenantId, target.userId]);
    expect(samples).toEqual([{ importedBy: `user:${tenant.members.ADMIN.email}` }]);
  });

  it.each([
    [{ emails: [] }, ["input", "emails"]],
    [{ emails: [{ body: "   " }] }, ["input", "emails", "0", "body"]],
    [{ emails: [{ body: "x", sentAt: "last week" }] }, ["input", "emails", "0", "sentAt"]],
    [{ userId: "not-an-id", emails: [{ body: "x" }] }, ["input", "userId"]],
  ])("refuses %j at %j", async (input, field) => {
    const r = await executeOk(t.graphqlUrl, Import, { input }, { token: tenant.members.OPERATOR.token });
    expect(r.voiceSamplesImport.userErrors[0]?.field).toEqual(field);
  });

  it("a member of another tenant is not found; their profile reads as null", async () => {
    const r = await executeOk(t.graphqlUrl, Import, { input: { userId: encodeGlobalID("User", other.members.OWNER.userId), emails: FORMAL_MAIL } }, { token: tenant.members.ADMIN.token });
    expect(r.voiceSamplesImport.userErrors[0]).toMatchObject({ code: "NOT_FOUND", field: ["input", "userId"] });
    await executeOk(t.graphqlUrl, Import, { input: { emails: FORMAL_MAIL } }, { token: other.members.OWNER.token });
    await agentsSettled(t, other.tenantId);
    const theirs = await executeOk(t.graphqlUrl, Profile, { userId: encodeGlobalID("User", other.members.OWNER.userId) }, { token: tenant.members.OWNER.token });
    expect(theirs.voiceProfile).toBeNull();
    expect(await sql(t.db, `SELECT id FROM "VoiceSample" WHERE "tenantId" = $1 AND "userId" = $2`, [tenant.tenantId, other.members.OWNER.userId])).toEqual([]);
  });

  it("replays a retry with the same idempotency key", async () => {
    const input = { emails: [{ subject: "Idem", body: "Hey Kim!\n\nSee you at 3.\n\nCheers,\nOscar" }], idempotencyKey: "voice-idem-1" };
    const a = await executeOk(t.graphqlUrl, Import, { input }, { token: tenant.members.OPERATOR.token });
    const b = await executeOk(t.graphqlUrl, Import, { input }, { token: tenant.members.OPERATOR.token });
    expect(b.voiceSamplesImport).toMatchObject({ imported: 1, duplicates: 0, agentRun: { id: a.voiceSamplesImport.agentRun!.id } });
  });

  it.each(ALL_ROLES)("role %s: importing needs draft:write; reading needs draft:read", async (role) => {
    const token = tenant.members[role].token;
    const imported = await execute(t.graphqlUrl, Import, { input: { emails: [{ subject: role, body: `Hi,\n\nA note from ${role}.\n\nBest` }] } }, { token });
    const read = await execute(t.graphqlUrl, Profile, {}, { token });
    expect(read.errors).toBeUndefined();
    if (role === "ANALYST") expect(imported.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    else expect(imported.data?.voiceSamplesImport.userErrors).toEqual([]);
  });
});
