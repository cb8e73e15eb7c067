// The pure parts of erasure and export: the erased-address hash (the same
// mailbox however it is written), the strings swept, the literal regular
// expression they become, scrubbing a reason, and the signed export link.
import { describe, expect, it } from "vitest";
import { erasedAddressHash, erasedAddressHashes, identifyingStrings, legacyErasedAddressHash, literalAlternation, scrubText } from "../../../src/domain/governance/erasure.js";
import { exportLinkKey, signExportToken, verifyExportToken } from "../../../src/domain/governance/export-token.js";
import { normaliseEmail, suppressionKeys } from "../../../src/domain/sending/suppression.js";

const person = { email: "ana.lopez@corp.example", emailOriginal: "Ana.Lopez@Corp.example", firstName: "Ana", lastName: "Lopez", phone: "+1 (555) 010-2030" };

describe("erased-address hash", () => {
  const key = Buffer.alloc(32, 7);
  const otherKey = Buffer.alloc(32, 8);

  it("is one value per canonical mailbox and tenant key, and the suppression keys of any spelling include it", () => {
    const h = erasedAddressHash(key, normaliseEmail("Ana.Lopez@Corp.example"));
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toContain("lopez");
    expect(erasedAddressHash(key, normaliseEmail(" ana.lopez@corp.example "))).toBe(h);
    expect(erasedAddressHash(key, normaliseEmail("ana.lopez2@corp.example"))).not.toBe(h);
    expect(suppressionKeys("ANA.LOPEZ@corp.example", key)).toContainEqual({ kind: "EMAIL_HASH", value: h });
  });

  it("differs between tenants' keys and from the legacy constant-salt hash, which is still checked", () => {
    const address = normaliseEmail("ana.lopez@corp.example");
    const h = erasedAddressHash(key, address);
    expect(erasedAddressHash(otherKey, address)).not.toBe(h);
    expect(legacyErasedAddressHash(address)).not.toBe(h);
    // The legacy value (what erasures wrote before the per-tenant key) keeps suppressing, with or without a key.
    // Pinned: the value erasures stored before (sha256 of the constant salt, NUL, the address), so old rows still match.
    expect(legacyErasedAddressHash(address)).toBe("17905b11ed147f3903c8298c77c67d941881ebb811d19557abaa1de7f6ac1e0d");
    expect(erasedAddressHashes(key, address)).toEqual([h, legacyErasedAddressHash(address)]);
    expect(erasedAddressHashes(null, address)).toEqual([legacyErasedAddressHash(address)]);
    expect(suppressionKeys(address, null)).toContainEqual({ kind: "EMAIL_HASH", value: legacyErasedAddressHash(address) });
  });
});

describe("identifying strings", () => {
  it("are the address (stored, given, URL-encoded), the phone (as given and digits) and the full name — not a first name alone", () => {
    const s = identifyingStrings(person);
    expect(s).toEqual(expect.arrayContaining(["ana.lopez@corp.example", "Ana.Lopez@Corp.example", "ana.lopez%40corp.example", "+1 (555) 010-2030", "+15550102030", "Ana Lopez"]));
    expect(s).not.toContain("Ana");
    expect(identifyingStrings({ email: null, emailOriginal: null, firstName: "Al", lastName: null, phone: null })).toEqual([]);
  });

  it("become a regular expression that matches them literally (dots and brackets are not operators)", () => {
    const re = literalAlternation(identifyingStrings(person))!;
    // PostgreSQL's ARE and JavaScript agree on these escapes.
    const js = new RegExp(re.replace(/\\s\+/g, "\\s+"), "i");
    expect(js.test("write to ana.lopez@corp.example today")).toBe(true);
    expect(js.test("call +1 (555) 010-2030")).toBe(true);
    expect(js.test("ANA   LOPEZ said")).toBe(true);
    expect(js.test("anaXlopez@corpXexample")).toBe(false);
    expect(literalAlternation([])).toBeNull();
  });

  it("are scrubbed from a reason, names included", () => {
    expect(scrubText("Request from Ana Lopez <Ana.Lopez@Corp.example>, tel +1 (555) 010-2030", person)).toBe("Request from [erased] <[erased]>, tel [erased]");
  });
});

describe("export links", () => {
  const key = exportLinkKey("a-server-secret-that-is-long-enough-0123456789");
  const claims = { tenantId: "0195d3a0-0000-7000-8000-000000000001", exportId: "0195d3a0-0000-7000-8000-000000000002", expiresAt: new Date("2030-01-01T00:00:00Z") };

  it("verify when genuine and refuse any change, another key or garbage", () => {
    const token = signExportToken(key, claims);
    expect(verifyExportToken(key, token)).toEqual(claims);
    expect(verifyExportToken(exportLinkKey("another-server-secret-long-enough-0123456789"), token)).toBeNull();
    const [prefix, payload, sig] = token.split(".") as [string, string, string];
    const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), e: 2_000_000_000 })).toString("base64url");
    expect(verifyExportToken(key, `${prefix}.${changed}.${sig}`)).toBeNull();
    for (const bad of ["", "x1.", "x1.a.b", `${token}.x`, token.replace(/^x1/, "x2"), "u1.abc.def"]) expect(verifyExportToken(key, bad)).toBeNull();
  });
});
