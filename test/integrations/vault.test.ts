// The credential vault: envelope encryption (AES-256-GCM data key per secret,
// wrapped by a key-encryption key of the ring), AAD binding to tenant +
// connection, the local key file, and rotation to a new key in a real
// database (connection tokens, outbound and inbound webhook secrets) — where
// a dump of every table as the owner holds no token bytes.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, withTenant, type Database } from "../../src/data/database.js";
import { CredentialVault, resolveKeyRing, rotateAllCredentials } from "../../src/data/credential-vault.js";
import { provisionTenant } from "../../src/data/provisioning.js";
import {
  connectionCredentialAad,
  CredentialDecryptError,
  envelopeKeyId,
  open,
  parseKeyRing,
  reseal,
  seal,
} from "../../src/domain/connection/credential.js";
import { signingSecrets } from "../../src/domain/connection/webhook.js";
import { validSecrets } from "../../src/domain/inbound/inbound-webhook.js";
import { openWebhookSecrets, sealWebhookSecrets } from "../../src/orchestration/connection/webhook-endpoint.js";
import { openInboundSecrets, sealInboundSecrets } from "../../src/orchestration/inbound/inbound-webhook.js";
import { asOwner, createTestDatabase, type TestDatabase } from "../helpers/database.js";

const k = (id: string) => `${id}:${randomBytes(32).toString("base64")}`;

describe("key ring", () => {
  it("parses kid:base64 entries; the last one seals", () => {
    const ring = parseKeyRing(`${k("old")}, ${k("new")}`);
    expect(ring.keys.map((x) => x.id)).toEqual(["old", "new"]);
    expect(ring.current.id).toBe("new");
  });

  it("refuses short keys, bad ids and duplicates without echoing key material", () => {
    const short = `a:${Buffer.alloc(16, 7).toString("base64")}`;
    expect(() => parseKeyRing(short)).toThrow(/32 bytes/);
    try {
      parseKeyRing(short);
    } catch (error) {
      expect((error as Error).message).not.toContain(Buffer.alloc(16, 7).toString("base64"));
    }
    expect(() => parseKeyRing(`bad id:${randomBytes(32).toString("base64")}`)).toThrow(/key id/);
    const one = k("a");
    expect(() => parseKeyRing(`${one},${one}`)).toThrow(/twice/);
    expect(() => parseKeyRing("")).toThrow(/no keys/);
  });
});

describe("envelope encryption", () => {
  const ring = parseKeyRing(k("k1"));
  const aad = connectionCredentialAad("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222");

  it("round-trips, names its key id, and never contains the plaintext", () => {
    const secret = "ya29.a0-very-secret-access-token";
    const envelope = seal(ring, secret, aad);
    expect(envelopeKeyId(envelope)).toBe("k1");
    expect(envelope).not.toContain(secret);
    expect(Buffer.from(envelope).includes(Buffer.from(secret))).toBe(false);
    expect(open(ring, envelope, aad)).toBe(secret);
    // A fresh data key and IV every time: the same secret never seals to the same text.
    expect(seal(ring, secret, aad)).not.toBe(envelope);
  });

  it("does not open for another row or tenant (AAD), after any change, or without its key", () => {
    const envelope = seal(ring, "token", aad);
    const otherRow = connectionCredentialAad("11111111-1111-4111-8111-111111111111", "33333333-3333-4333-8333-333333333333");
    const otherTenant = connectionCredentialAad("44444444-4444-4444-8444-444444444444", "22222222-2222-4222-8222-222222222222");
    expect(() => open(ring, envelope, otherRow)).toThrow(CredentialDecryptError);
    expect(() => open(ring, envelope, otherTenant)).toThrow(CredentialDecryptError);
    const parts = envelope.split(".");
    for (const i of [3, 6, 7]) {
      const tampered = [...parts];
      const bytes = Buffer.from(tampered[i]!, "base64url");
      bytes[0] = bytes[0]! ^ 1;
      tampered[i] = bytes.toString("base64url");
      expect(() => open(ring, tampered.join("."), aad)).toThrow(CredentialDecryptError);
    }
    // Claiming another key id in the header does not help either.
    const relabelled = parseKeyRing(`${k("k0")},${k("k1")}`);
    expect(() => open(relabelled, envelope, aad)).toThrow(CredentialDecryptError);
    expect(() => open(parseKeyRing(k("k2")), envelope, aad)).toThrow(CredentialDecryptError);
  });

  it("rotates: the old key id re-seals under the new one and still opens; without the old key the old envelope does not", () => {
    const k1 = k("k1");
    const k2 = k("k2");
    const before = parseKeyRing(k1);
    const after = parseKeyRing(`${k1},${k2}`);
    const envelope = seal(before, "refresh-token", aad);
    expect(open(after, envelope, aad)).toBe("refresh-token");
    const rotated = reseal(after, envelope, aad);
    expect(envelopeKeyId(rotated)).toBe("k2");
    expect(open(parseKeyRing(k2), rotated, aad)).toBe("refresh-token");
    expect(() => open(parseKeyRing(k2), envelope, aad)).toThrow(CredentialDecryptError);
  });
});

describe("the local key outside production", () => {
  it("is generated once in DATA_DIR (mode 600) and reused; production requires CREDENTIALS_KEYS", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "vault-"));
    try {
      const first = await resolveKeyRing({ NODE_ENV: "development", DATA_DIR: dir, CREDENTIALS_KEYS: undefined });
      const second = await resolveKeyRing({ NODE_ENV: "development", DATA_DIR: dir, CREDENTIALS_KEYS: undefined });
      expect(second.current.key.equals(first.current.key)).toBe(true);
      expect((await readFile(path.join(dir, "credentials-keys"), "utf8")).startsWith(`${first.current.id}:`)).toBe(true);
      const { statSync } = await import("node:fs");
      expect(statSync(path.join(dir, "credentials-keys")).mode & 0o777).toBe(0o600);
      await expect(resolveKeyRing({ NODE_ENV: "production", DATA_DIR: dir, CREDENTIALS_KEYS: undefined })).rejects.toThrow(/CREDENTIALS_KEYS/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("stored credentials in PostgreSQL", () => {
  let testDb: TestDatabase;
  let db: Database;
  let tenantA: string;
  let tenantB: string;
  const k1 = k("k1");
  const k2 = k("k2");
  const tokens = { accessToken: `ya29.${randomBytes(18).toString("hex")}`, refreshToken: `1//${randomBytes(18).toString("hex")}`, expiresAt: Date.now() + 3_600_000 };
  const connections: { tenantId: string; id: string }[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = connectDatabase({ url: testDb.appUrl, poolMax: 3 });
    tenantA = (await provisionTenant(testDb.ownerUrl, { name: "A", slug: `va-${Date.now()}`, members: [] })).tenantId;
    tenantB = (await provisionTenant(testDb.ownerUrl, { name: "B", slug: `vb-${Date.now()}`, members: [] })).tenantId;
    const vault = new CredentialVault(parseKeyRing(k1));
    for (const tenantId of [tenantA, tenantA, tenantA, tenantB]) {
      const id = await withTenant(db.prisma, { tenantId }, async (tx) => {
        const c = await tx.connection.create({ data: { tenantId, provider: "GOOGLE", accountEmail: "rep@example.com", scopes: ["email"] } });
        await vault.store(tx, tenantId, c.id, tokens);
        return c.id;
      });
      connections.push({ tenantId, id });
    }
  });

  afterAll(async () => {
    await db?.close();
  });

  it("a dump of every table, as the owner, holds no token bytes (plain, base64 or hex)", async () => {
    const dump = await asOwner(testDb, async (c) => {
      const tables = (await c.query(`SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('public', 'connector')`)).rows as { schemaname: string; tablename: string }[];
      let text = "";
      for (const t of tables) {
        const rows = await c.query(`SELECT * FROM "${t.schemaname}"."${t.tablename}"`);
        text += JSON.stringify(rows.rows);
      }
      return text;
    });
    expect(dump).toContain("v1.k1."); // the envelopes are there
    for (const secret of [tokens.accessToken, tokens.refreshToken]) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret).toString("base64"));
      expect(dump).not.toContain(Buffer.from(secret).toString("base64url"));
      expect(dump).not.toContain(Buffer.from(secret).toString("hex"));
    }
  });

  it("a ciphertext moved to another connection's row does not open", async () => {
    const vault = new CredentialVault(parseKeyRing(k1));
    const [first, second] = connections as [{ tenantId: string; id: string }, { tenantId: string; id: string }];
    await withTenant(db.prisma, { tenantId: tenantA }, async (tx) => {
      const a = await tx.connectionCredential.findFirstOrThrow({ where: { connectionId: first.id } });
      await tx.connectionCredential.updateMany({ where: { connectionId: second.id }, data: { ciphertext: a.ciphertext } });
    });
    await expect(withTenant(db.prisma, { tenantId: tenantA }, (tx) => vault.load(tx, tenantA, second.id))).rejects.toThrow(CredentialDecryptError);
    // Put a valid one back for the rotation test.
    await withTenant(db.prisma, { tenantId: tenantA }, (tx) => vault.store(tx, tenantA, second.id, tokens));
  });

  it("rotation re-seals every tenant's rows under the newest key, in batches; all still open, the old key can go", async () => {
    const rotated = new CredentialVault(parseKeyRing(`${k1},${k2}`));
    const result = await rotateAllCredentials(db, rotated, 2);
    expect(result).toEqual({ tenants: 2, resealed: 4, failed: 0 });
    const keyIds = await asOwner(testDb, async (c) => (await c.query(`SELECT DISTINCT "keyId" FROM "ConnectionCredential"`)).rows.map((r) => r.keyId));
    expect(keyIds).toEqual(["k2"]);
    const onlyNew = new CredentialVault(parseKeyRing(k2));
    for (const c of connections) {
      const loaded = await withTenant(db.prisma, { tenantId: c.tenantId }, (tx) => onlyNew.load(tx, c.tenantId, c.id));
      expect(loaded).toMatchObject({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    }
    // Nothing left to do: a second run touches nothing.
    expect(await rotateAllCredentials(db, rotated, 2)).toEqual({ tenants: 0, resealed: 0, failed: 0 });
  });

  it("rotation re-seals outbound and inbound webhook secrets too; with only the new key they still open (sign and verify)", async () => {
    const k3 = k("k3");
    const before = parseKeyRing(`${k1},${k2}`); // seals under k2 (the last)
    const outbound = `whsec_${randomBytes(24).toString("base64")}`;
    const inbound = `whin_${randomBytes(24).toString("hex")}`;
    const endpoints: { tenantId: string; webhookId: string; inboundId: string }[] = [];
    for (const tenantId of [tenantA, tenantA, tenantA, tenantB]) {
      endpoints.push(
        await withTenant(db.prisma, { tenantId }, async (tx) => {
          const webhookId = randomUUID();
          const inboundId = randomUUID();
          await tx.webhookEndpoint.create({
            data: { id: webhookId, tenantId, url: "https://hooks.example/in", eventTypes: [], secretEnvelope: sealWebhookSecrets(before, tenantId, webhookId, { current: outbound }), keyId: before.current.id },
          });
          await tx.inboundWebhookEndpoint.create({
            data: {
              id: inboundId,
              tenantId,
              publicId: randomBytes(24).toString("base64url"),
              kind: "GENERIC",
              name: "form tool",
              secretEnvelope: sealInboundSecrets(before, tenantId, inboundId, { current: inbound }),
              keyId: before.current.id,
            },
          });
          return { tenantId, webhookId, inboundId };
        }),
      );
    }
    // A new key is added at the end of the ring: everything sealed under k1/k2 is re-sealed under k3, in batches of 2.
    const rotated = new CredentialVault(parseKeyRing(`${k1},${k2},${k3}`));
    const result = await rotateAllCredentials(db, rotated, 2);
    expect(result).toMatchObject({ tenants: 2, resealed: 4 + 4 + 4, failed: 0 }); // the 4 credentials and 4 + 4 endpoints
    for (const table of ["ConnectionCredential", "WebhookEndpoint", "InboundWebhookEndpoint"]) {
      const keyIds = await asOwner(testDb, async (c) => (await c.query(`SELECT DISTINCT "keyId" FROM "${table}"`)).rows.map((r) => r.keyId));
      expect({ table, keyIds }).toEqual({ table, keyIds: ["k3"] });
      const envelopes = await asOwner(testDb, async (c) => (await c.query(`SELECT * FROM "${table}"`)).rows.map((r) => JSON.stringify(r)).join());
      expect(envelopes).not.toContain("v1.k1.");
      expect(envelopes).not.toContain("v1.k2.");
    }
    // The old keys are removed from the ring: every secret still opens: the same signing secret out, the same verifying secret in.
    const onlyNew = parseKeyRing(k3);
    const now = new Date();
    for (const e of endpoints) {
      const [row, inRow] = await withTenant(db.prisma, { tenantId: e.tenantId }, async (tx) => [
        await tx.webhookEndpoint.findUniqueOrThrow({ where: { id: e.webhookId } }),
        await tx.inboundWebhookEndpoint.findUniqueOrThrow({ where: { id: e.inboundId } }),
      ] as const);
      const signing = signingSecrets(openWebhookSecrets(onlyNew, e.tenantId, e.webhookId, row.secretEnvelope), now);
      expect(signing).toEqual([outbound]);
      expect(validSecrets(openInboundSecrets(onlyNew, e.tenantId, e.inboundId, inRow.secretEnvelope), now)).toEqual([inbound]);
    }
    for (const c of connections) {
      const loaded = await withTenant(db.prisma, { tenantId: c.tenantId }, (tx) => new CredentialVault(onlyNew).load(tx, c.tenantId, c.id));
      expect(loaded).toMatchObject({ accessToken: tokens.accessToken });
    }
    expect(await rotateAllCredentials(db, rotated, 2)).toEqual({ tenants: 0, resealed: 0, failed: 0 });
  });
});
