// The pure parts of domain-wide delegation: reading a JSON key file without
// ever echoing it, Google's refusals described for the admin, and PEM keys
// masked wherever text is redacted.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { describeDelegationRefusal, parseServiceAccountKey } from "../../../src/domain/connection/service-account.js";
import { redactText } from "../../../src/domain/redaction.js";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const file = {
  type: "service_account",
  project_id: "p",
  private_key_id: "0123456789abcdef0123456789abcdef01234567",
  private_key: pem,
  client_email: "Agent@P.iam.gserviceaccount.com",
  client_id: "112233445566778899001",
};

describe("parseServiceAccountKey", () => {
  it("keeps only what the jwt-bearer grant needs", () => {
    expect(parseServiceAccountKey(JSON.stringify(file))).toEqual({
      ok: true,
      key: { clientEmail: "agent@p.iam.gserviceaccount.com", clientId: file.client_id, privateKeyId: file.private_key_id, privateKey: pem },
    });
  });

  it("refuses what is not a service-account key, without echoing any of it", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const cases: unknown[] = [
      "{not json",
      { ...file, type: "authorized_user" },
      { ...file, client_email: "nope" },
      { ...file, client_id: "abc" },
      { ...file, private_key_id: "short" },
      { ...file, private_key: "-----BEGIN PRIVATE KEY-----\nsecret-bytes\n-----END PRIVATE KEY-----" },
      { ...file, private_key: ec },
    ];
    for (const c of cases) {
      const result = parseServiceAccountKey(typeof c === "string" ? c : JSON.stringify(c));
      expect(result.ok, JSON.stringify(c).slice(0, 40)).toBe(false);
      if (!result.ok) expect(result.message).not.toMatch(/secret-bytes|nope|PRIVATE KEY/);
    }
  });
});

describe("describeDelegationRefusal", () => {
  const context = { clientId: "1122", subject: "rep@corp.example", scopes: ["https://www.googleapis.com/auth/gmail.readonly"] };
  const refusal = (status: number, error: string, error_description: string) => describeDelegationRefusal({ response: { status, data: { error, error_description } } }, context);

  it("names the admin's fix for each refusal Google gives, never echoing Google's text", () => {
    expect(refusal(401, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.")).toEqual({
      kind: "REAUTH",
      message: expect.stringMatching(/unauthorized_client, HTTP 401.*client ID 1122.*Domain-wide delegation.*gmail\.readonly/),
    });
    expect(refusal(400, "invalid_grant", "Invalid email or User ID")?.message).toContain("does not know the Workspace user rep@corp.example");
    expect(refusal(400, "invalid_grant", "Invalid JWT Signature.")?.message).toContain("upload a current key");
    expect(refusal(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.")).toMatchObject({ kind: "PERMANENT" });
    expect(refusal(400, "invalid_grant", "something <script>")?.message).not.toContain("script");
    expect(describeDelegationRefusal({ response: { status: 503, data: {} } }, context)).toBeNull();
  });
});

describe("redactText", () => {
  it("masks PEM private keys, whole, JSON-escaped or cut short", () => {
    expect(redactText(`key: ${pem.trim()} end`)).toBe("key: [REDACTED] end");
    expect(redactText(JSON.stringify({ private_key: pem }))).not.toContain(pem.split("\n")[1]!);
    expect(redactText(pem.slice(0, 200))).toBe("[REDACTED]");
  });
});
