// Encryption at rest (issue 15): a raw dump of the tables, taken as the
// database owner, holds no plaintext body, while the API returns it; rows
// written before encryption are sealed by the rotation job; a new key re-seals
// everything; a sealed value copied into another tenant's row does not open.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKeyEncryptionKey } from "../../src/domain/connection/credential.js";
import { runCredentialRotation } from "../../src/jobs/credential-rotation.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { execute, executeOk } from "../helpers/graphql.js";
import { rawEmail, OSCAR_SENT_MAIL } from "../helpers/agents.js";
import { sql, waitFor } from "../helpers/operator.js";
import { graphql } from "../generated/gql/index.js";

const Ingest = graphql(`
  mutation EncryptionIngest($input: MessageIngestInput!) {
    messageIngest(input: $input) { inboundMessage { id text subject from } userErrors { code message } }
  }
`);
const MessageText = graphql(`
  query EncryptionMessageText($id: ID!) {
    node(id: $id) { ... on InboundMessage { id text subject thread { messages { text } } } }
  }
`);
const VoiceImport = graphql(`
  mutation EncryptionVoiceImport($input: VoiceSamplesImportInput!) {
    voiceSamplesImport(input: $input) { imported userErrors { code message } }
  }
`);

const SECRET = "Our budget is 48,500 euros and the board meets on Thursday";
const K1 = generateKeyEncryptionKey("k1");
const K2 = generateKeyEncryptionKey("k2");

/** Every row of the table as JSON text, read as the owner (superuser): what a database dump holds. */
async function dump(db: TestDatabase, table: string): Promise<string> {
  const rows = await sql<{ j: string }>(db, `SELECT row_to_json(t)::text AS j FROM "${table}" t`);
  return rows.map((r) => r.j).join("\n");
}

describe("field-level encryption at rest", () => {
  let db: TestDatabase;
  let t: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  let messageId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ db, env: { CREDENTIALS_KEYS: K1 } });
    a = await createTenant(t, "enc-a");
    b = await createTenant(t, "enc-b");
    const raw = rawEmail(
      { From: "Dana Buyer <dana@buyer.example>", To: "sales@seller.example", Subject: "Pricing question", "Message-ID": "<enc-1@buyer.example>", "X-Secret-Header": "header-secret-value" },
      [SECRET, "", "Dana"],
    );
    const r = await executeOk(t.graphqlUrl, Ingest, { input: { raw } }, { token: a.members.OPERATOR.token });
    expect(r.messageIngest.userErrors).toEqual([]);
    messageId = r.messageIngest.inboundMessage!.id;
    expect(r.messageIngest.inboundMessage!.text).toContain(SECRET);
  });

  afterAll(async () => {
    await t?.close();
  });

  test("a dump of InboundMessage shows no body, source or header values; subject and sender stay searchable", async () => {
    const text = await dump(db, "InboundMessage");
    expect(text).toContain("enc1:v1.k1.");
    expect(text).not.toContain("48,500");
    expect(text).not.toContain("board meets");
    expect(text).not.toContain("header-secret-value");
    // Searchable columns stay plain: subject and sender address.
    expect(text).toContain("Pricing question");
    expect(text).toContain("dana@buyer.example");
    const found = await sql(db, `SELECT "id" FROM "InboundMessage" WHERE "subject" ILIKE '%pricing%' AND "fromEmail" = 'dana@buyer.example'`);
    expect(found).toHaveLength(1);
  });

  test("the API returns the plaintext, also nested under a thread", async () => {
    const r = await executeOk(t.graphqlUrl, MessageText, { id: messageId }, { token: a.members.ANALYST.token });
    const node = r.node as { text: string; thread: { messages: { text: string }[] } };
    expect(node.text).toContain(SECRET);
    expect(node.thread.messages.map((m) => m.text).join()).toContain(SECRET);
  });

  test("voice samples are sealed at rest", async () => {
    const r = await executeOk(t.graphqlUrl, VoiceImport, { input: { emails: OSCAR_SENT_MAIL } }, { token: a.members.OPERATOR.token });
    expect(r.voiceSamplesImport.imported).toBe(OSCAR_SENT_MAIL.length);
    const text = await dump(db, "VoiceSample");
    expect(text).toContain("enc1:v1.k1.");
    for (const mail of OSCAR_SENT_MAIL) expect(text).not.toContain(mail.body.slice(0, 25));
  });

  test("a sealed body copied into another tenant's row does not open there", async () => {
    const raw = rawEmail({ From: "x@other.example", To: "s@b.example", Subject: "B's own", "Message-ID": "<enc-b@other.example>" }, ["B's own text"]);
    const r = await executeOk(t.graphqlUrl, Ingest, { input: { raw } }, { token: b.members.OPERATOR.token });
    const bId = r.messageIngest.inboundMessage!.id;
    await sql(db, `UPDATE "InboundMessage" SET "text" = (SELECT "text" FROM "InboundMessage" WHERE "messageId" = '<enc-1@buyer.example>') WHERE "messageId" = '<enc-b@other.example>'`);
    const res = await execute(t.graphqlUrl, MessageText, { id: bId }, { token: b.members.ANALYST.token });
    expect(JSON.stringify(res.data ?? {})).not.toContain("48,500");
    expect(res.errors?.length ?? 0).toBeGreaterThan(0);
    expect(JSON.stringify(res.errors)).not.toMatch(/stack|at .*\.ts/);
    // Put B's row back the way retention leaves it, so the rotation below has nothing it cannot open.
    await sql(db, `UPDATE "InboundMessage" SET "text" = '' WHERE "messageId" = '<enc-b@other.example>'`);
  });

  test("plaintext rows written before encryption are sealed by the rotation job; a new key re-seals everything", async () => {
    // A row as an older version of the service (or a script without keys) wrote it.
    await sql(
      db,
      `INSERT INTO "InboundMessage" ("id", "tenantId", "messageId", "subject", "text", "raw", "headers", "to", "references", "suppressed")
       VALUES (gen_random_uuid(), $1, '<legacy@buyer.example>', 'Legacy', 'legacy plaintext body 7781', 'legacy raw 7781', '{"x-legacy":"legacy header 7781"}', '{}', '{}', '{}')`,
      [a.tenantId],
    );
    expect(await dump(db, "InboundMessage")).toContain("legacy plaintext body 7781");
    const first = await runCredentialRotation(t.app.background);
    expect(first.fields?.sealed.InboundMessage).toBe(1);
    const sealed = await dump(db, "InboundMessage");
    expect(sealed).not.toContain("7781");
    // Nothing left to do: a second pass rewrites nothing.
    expect((await runCredentialRotation(t.app.background)).fields?.sealed.InboundMessage).toBe(0);

    // Add a key (it seals from now on; k1 still opens) and restart on the same database.
    await t.close();
    t = await startTestApp({ db, env: { CREDENTIALS_KEYS: `${K1},${K2}` } });
    // The instance that has the new key rolls it out at start-up; the hourly job (called here) does the same.
    const result = await runCredentialRotation(t.app.background);
    expect(result.fields?.failed).toBe(0);
    await waitFor(async () => !(await dump(db, "VoiceSample")).includes("enc1:v1.k1.") && !(await dump(db, "InboundMessage")).includes("enc1:v1.k1."), 20_000, "re-sealing under k2");
    const after = await dump(db, "InboundMessage");
    expect(after).not.toContain("enc1:v1.k1.");
    expect(after).toContain("enc1:v1.k2.");
    // Only k2 now: everything still opens.
    await t.close();
    t = await startTestApp({ db, env: { CREDENTIALS_KEYS: K2 } });
    const r = await executeOk(t.graphqlUrl, MessageText, { id: messageId }, { token: a.members.ANALYST.token });
    expect((r.node as { text: string }).text).toContain(SECRET);
    const legacy = await sql<{ text: string }>(db, `SELECT "text" FROM "InboundMessage" WHERE "messageId" = '<legacy@buyer.example>'`);
    expect(legacy[0]!.text.startsWith("enc1:v1.k2.")).toBe(true);
  });
});
