// RS256 tokens from an identity provider, verified against its JWKS endpoint.
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

type CryptoKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";

const Me = graphql(`
  query JwksMe {
    me { kind role user { email } }
  }
`);

let jwksServer: Server;
let t: TestApp;
let tenant: TestTenant;
let privateKey: CryptoKey;
let otherKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair("RS256")).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "idp-1", alg: "RS256", use: "sig" };
  jwksServer = createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", () => r()));
  const port = (jwksServer.address() as { port: number }).port;
  t = await startTestApp({ env: { JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`, JWT_ISSUER: "https://idp.example", JWT_AUDIENCE: "sales-agent-api" } });
  tenant = await createTenant(t);
});
afterAll(async () => {
  await t?.close();
  jwksServer?.close();
});

function rs256(key: CryptoKey, claims: { sub: string; tid: string }, kid = "idp-1") {
  return new SignJWT({ tid: claims.tid })
    .setProtectedHeader({ alg: "RS256", kid })
    .setSubject(claims.sub)
    .setIssuer("https://idp.example")
    .setAudience("sales-agent-api")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);
}

describe("RS256 via JWKS", () => {
  it("accepts a token signed by the identity provider's key", async () => {
    const token = await rs256(privateKey, { sub: tenant.members.MANAGER.userId, tid: tenant.tenantId });
    const r = await execute(t.graphqlUrl, Me, {}, { token });
    expect(r.status).toBe(200);
    expect(r.data?.me).toMatchObject({ kind: "USER", role: "MANAGER", user: { email: tenant.members.MANAGER.email } });
  });

  it("refuses a token signed by another key", async () => {
    const token = await rs256(otherKey, { sub: tenant.members.MANAGER.userId, tid: tenant.tenantId });
    expect((await execute(t.graphqlUrl, Me, {}, { token })).status).toBe(401);
  });

  it("still accepts the service's own HS256 tokens (JWT_SECRET) alongside", async () => {
    const r = await execute(t.graphqlUrl, Me, {}, { token: tenant.members.OWNER.token });
    expect(r.data?.me.role).toBe("OWNER");
  });
});
