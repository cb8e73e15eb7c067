import { describe, expect, it } from "vitest";
import { domainKind, domainMatches, normalizeDomain, parseEmail } from "../../src/domain/email.js";

describe("parseEmail", () => {
  it.each([
    ["Ada@Initech.COM", "ada@initech.com", "COMPANY"],
    ["  bob@acme.io  ", "bob@acme.io", "COMPANY"],
    ["John.Doe+news@gmail.com", "johndoe@gmail.com", "FREE"],
    ["j.o.h.n@googlemail.com", "john@gmail.com", "FREE"],
    ["x+tag@outlook.com", "x@outlook.com", "FREE"],
    ["x+tag@icloud.com", "x@icloud.com", "FREE"],
    ["x+tag@proton.me", "x@proton.me", "FREE"],
    ["first.last+tag@acme.com", "first.last+tag@acme.com", "COMPANY"], // company servers may treat + literally
    ["first.last@yahoo.com", "first.last@yahoo.com", "FREE"], // dots matter outside Gmail
    ["throwaway@mailinator.com", "throwaway@mailinator.com", "DISPOSABLE"],
    ["a@sub.mailinator.com", "a@sub.mailinator.com", "DISPOSABLE"],
    ["jürgen@firma.de", "jürgen@firma.de", "COMPANY"],
  ])("%s → %s (%s)", (input, normalized, kind) => {
    const r = parseEmail(input);
    expect(r.ok && r.email.normalized).toBe(normalized);
    expect(r.ok && r.email.domainKind).toBe(kind);
    expect(r.ok && r.email.original).toBe(input.trim());
  });

  it.each([
    ["", "is empty"],
    ["   ", "is empty"],
    ["plain", "is not a valid e-mail address"],
    ["a@b", "is not a valid e-mail address"],
    ["a@@b.com", "is not a valid e-mail address"],
    ["Name <a@b.com>", "is not a valid e-mail address"],
    ["a@127.0.0.1", "is not a valid e-mail address"],
    ["+tag@gmail.com", "has no mailbox name before the tag"],
    [`${"x".repeat(250)}@b.com`, "is longer than 254 characters"],
  ])("refuses %j: %s", (input, reason) => {
    expect(parseEmail(input)).toEqual({ ok: false, reason });
  });
});

describe("domains", () => {
  it.each([
    ["https://www.Acme.com/about?x=1", "acme.com"],
    ["acme.co.uk.", "acme.co.uk"],
    ["sales@acme.com", "acme.com"],
    ["acme.com:8080", "acme.com"],
    ["not a domain", null],
    ["localhost", null],
  ])("normalizeDomain(%j) = %j", (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each([
    ["gmail.com", "FREE"],
    ["web.de", "FREE"],
    ["guerrillamail.com", "DISPOSABLE"],
    ["stripe.com", "COMPANY"],
  ])("domainKind(%s) = %s", (domain, kind) => {
    expect(domainKind(domain)).toBe(kind);
  });

  it("matches a listed domain and its subdomains only", () => {
    expect(domainMatches("eu.rival.com", "rival.com")).toBe(true);
    expect(domainMatches("rival.com", "rival.com")).toBe(true);
    expect(domainMatches("notrival.com", "rival.com")).toBe(false);
  });
});
