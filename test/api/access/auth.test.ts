import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, startTestApp, TEST_JWT_SECRET, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { sql } from "../../helpers/operator.js";
import { waitFor } from "../../helpers/wait.js";

const Me = graphql(`
  query AuthMe {
    me {
      kind
      role
      permissions
      user { email }
      tenant { slug }
      apiKey { prefix }
    }
  }
`);

const CreateKey = graphql(`
  mutation AuthCreateKey($input: ApiKeyCreateInput!) {
    apiKeyCreate(input: $input) {
      secret
      apiKey { id prefix role scopes revokedAt }
      userErrors { field message code }
    }
  }
`);

const RevokeKey = graphql(`
  mutation AuthRevokeKey($input: ApiKeyRevokeInput!) {
    apiKeyRevoke(input: $input) {
      apiKey { id revokedAt }
      userErrors { field message code }
    }
  }
`);

let t: TestApp;
let tenant: TestTenant;
const secret = new TextEncoder().encode(TEST_JWT_SECRET);

function token(claims: { sub: string; tid: string }, opts: { iss?: string; aud?: string; exp?: number; key?: Uint8Array } = {}) {
  return new SignJWT({ tid: claims.tid })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.sub)
    .setIssuer(opts.iss ?? "sales-agent")
    .setAudience(opts.aud ?? "sales-agent")
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 600)
    .sign(opts.key ?? secret);
}

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t?.close());

describe("JWT authentication", () => {
  it("accepts a valid token and resolves the member's role from the database", async () => {
    const data = await executeOk(t.graphqlUrl, Me, {}, { token: tenant.members.OPERATOR.token });
    expect(data.me).toMatchObject({ kind: "USER", role: "OPERATOR", user: { email: tenant.members.OPERATOR.email }, tenant: { slug: tenant.slug } });
    expect(data.me.permissions).toContain("DRAFT_APPROVE");
    expect(data.me.permissions).not.toContain("SETTINGS_WRITE");
  });

  it.each([
    ["expired", async () => token({ sub: tenant.members.OWNER.userId, tid: tenant.tenantId }, { exp: Math.floor(Date.now() / 1000) - 10 }), /expired/],
    ["wrong audience", async () => token({ sub: tenant.members.OWNER.userId, tid: tenant.tenantId }, { aud: "someone-else" }), /not issued for this service/],
    ["wrong issuer", async () => token({ sub: tenant.members.OWNER.userId, tid: tenant.tenantId }, { iss: "evil" }), /not issued for this service/],
    ["signed with another key", async () => token({ sub: tenant.members.OWNER.userId, tid: tenant.tenantId }, { key: new TextEncoder().encode("x".repeat(64)) }), /signature/],
    [
      "alg none",
      async () =>
        new UnsecuredJWT({ tid: tenant.tenantId })
          .setSubject(tenant.members.OWNER.userId)
          .setIssuer("sales-agent")
          .setAudience("sales-agent")
          .setExpirationTime("10m")
          .encode(),
      /not accepted/,
    ],
    ["not a JWT", async () => "garbage.token", /not a valid JWT/],
    ["a user of no such tenant", async () => token({ sub: tenant.members.OWNER.userId, tid: "0190a000-0000-7000-8000-000000000000" }), /not a member/],
  ])("refuses a token that is %s with 401 UNAUTHENTICATED", async (_name, make, message) => {
    const result = await execute(t.graphqlUrl, Me, {}, { token: await make() });
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(result.data ?? null).toBeNull();
  });

  it("refuses a malformed Authorization header instead of ignoring it", async () => {
    const result = await execute(t.graphqlUrl, Me, {}, { headers: { authorization: "Basic b3duZXI6cGFzcw==" } });
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("treats a request without credentials as anonymous: protected fields say UNAUTHENTICATED", async () => {
    const result = await execute(t.graphqlUrl, Me, {});
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(result.data ?? null).toBeNull();
  });

  it("stops accepting a member's token once the member is removed from the tenant", async () => {
    const other = await createTenant(t);
    const removeMe = graphql(`
      mutation AuthRemove($input: MembershipRemoveInput!) {
        membershipRemove(input: $input) { removedMembershipId userErrors { code } }
      }
    `);
    const { encodeGlobalID } = await import("@pothos/plugin-relay");
    const removed = await executeOk(
      t.graphqlUrl,
      removeMe,
      { input: { membershipId: encodeGlobalID("Membership", other.members.ANALYST.membershipId) } },
      { token: other.members.OWNER.token },
    );
    expect(removed.membershipRemove.userErrors).toEqual([]);
    const result = await execute(t.graphqlUrl, Me, {}, { token: other.members.ANALYST.token });
    expect(result.status).toBe(401);
  });
});

describe("API keys", () => {
  it("authenticates with a key by Bearer or X-Api-Key, narrowed to its role and scopes, until revoked", async () => {
    const created = await executeOk(
      t.graphqlUrl,
      CreateKey,
      { input: { name: "CRM sync", role: "OPERATOR", scopes: ["LEAD_READ", "LEAD_WRITE"] } },
      { token: tenant.members.ADMIN.token },
    );
    const key = created.apiKeyCreate;
    expect(key.userErrors).toEqual([]);
    expect(key.secret).toMatch(/^sk_[a-z0-9]{10}_/);
    expect(key.apiKey?.prefix).toBe(key.secret!.split("_").slice(0, 2).join("_"));

    const viaBearer = await executeOk(t.graphqlUrl, Me, {}, { token: key.secret! });
    expect(viaBearer.me).toMatchObject({ kind: "API_KEY", role: "OPERATOR", apiKey: { prefix: key.apiKey!.prefix } });
    expect([...viaBearer.me.permissions].sort()).toEqual(["LEAD_READ", "LEAD_WRITE"]);

    const viaHeader = await executeOk(t.graphqlUrl, Me, {}, { headers: { "x-api-key": key.secret! } });
    expect(viaHeader.me.kind).toBe("API_KEY");

    const revoked = await executeOk(t.graphqlUrl, RevokeKey, { input: { apiKeyId: key.apiKey!.id } }, { token: tenant.members.ADMIN.token });
    expect(revoked.apiKeyRevoke.apiKey?.revokedAt).toBeTruthy();

    const after = await execute(t.graphqlUrl, Me, {}, { token: key.secret! });
    expect(after.status).toBe(401);
    expect(after.errors?.[0]?.message).toMatch(/revoked/);

    const again = await executeOk(t.graphqlUrl, RevokeKey, { input: { apiKeyId: key.apiKey!.id } }, { token: tenant.members.ADMIN.token });
    expect(again.apiKeyRevoke.userErrors[0]?.code).toBe("ALREADY_REVOKED");
  });

  it("refuses a key with a forged secret or one that has expired", async () => {
    const expiresAt = new Date(Date.now() + 1500);
    const created = await executeOk(
      t.graphqlUrl,
      CreateKey,
      { input: { name: "short-lived", role: "ANALYST", expiresAt: expiresAt.toISOString() } },
      { token: tenant.members.ADMIN.token },
    );
    const secret = created.apiKeyCreate.secret!;
    const forged = secret.slice(0, -4) + (secret.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect((await execute(t.graphqlUrl, Me, {}, { token: forged })).status).toBe(401);
    expect((await execute(t.graphqlUrl, Me, {}, { token: secret })).status).toBe(200);
    // Wait for the moment the key expires (by the database's clock, which stores expiresAt), then ask at once.
    await waitFor(
      async () => (await sql<{ past: boolean }>(t.db, `SELECT $1::timestamptz < clock_timestamp() AS past`, [expiresAt.toISOString()]))[0]!.past,
      { timeout: 10_000, message: "the key's expiry time to pass" },
    );
    const expired = await execute(t.graphqlUrl, Me, {}, { token: secret });
    expect(expired.status).toBe(401);
    expect(expired.errors?.[0]?.message).toMatch(/expired/);
  });

  it("will not mint a key above the creator's role or with permissions its role lacks", async () => {
    const aboveRole = await executeOk(t.graphqlUrl, CreateKey, { input: { name: "k", role: "OWNER" } }, { token: tenant.members.ADMIN.token });
    expect(aboveRole.apiKeyCreate.userErrors[0]).toMatchObject({ code: "ROLE_NOT_ASSIGNABLE", field: ["input", "role"] });
    expect(aboveRole.apiKeyCreate.secret).toBeNull();
    const wrongScope = await executeOk(
      t.graphqlUrl,
      CreateKey,
      { input: { name: "k", role: "ANALYST", scopes: ["DRAFT_SEND"] } },
      { token: tenant.members.ADMIN.token },
    );
    expect(wrongScope.apiKeyCreate.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "scopes", "0"] });
  });
});
