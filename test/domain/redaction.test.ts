import { describe, expect, it } from "vitest";
import { redact, redactText, REDACTED } from "../../src/domain/redaction.js";

describe("redaction", () => {
  it("masks e-mail addresses but keeps them distinguishable", () => {
    expect(redactText("write to jane.doe+x@example.com or bob@corp.co.uk")).toBe("write to j***@example.com or b***@corp.co.uk");
  });
  it("removes bearer tokens and API keys from free text", () => {
    expect(redactText("Authorization: Bearer eyJhbGciOi.abc.def")).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText("key sk_abcdefghij_ABCDEFGHIJKLMNOP")).toBe(`key ${REDACTED}`);
  });
  it("drops secret-named keys at any depth and leaves other values alone", () => {
    expect(
      redact({ name: "x", password: "p", nested: { apiKey: "k", token: "t", list: [{ secretHash: "h", n: 1 }] }, when: new Date(0) }),
    ).toEqual({ name: "x", password: REDACTED, nested: { apiKey: REDACTED, token: REDACTED, list: [{ secretHash: REDACTED, n: 1 }] }, when: "1970-01-01T00:00:00.000Z" });
  });
});
