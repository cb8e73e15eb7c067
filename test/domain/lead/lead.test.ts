import { describe, expect, it } from "vitest";
import { canTransition, LEAD_STATUSES, leadInputSchema, mergeAttributes, mergeFields, seniorityFromTitle } from "../../../src/domain/lead/lead.js";
import { canonicalHeader, parseCsvRows, recordToLeadInput } from "../../../src/domain/lead/lead-import.js";

describe("lead status machine", () => {
  const allowed: Record<string, string[]> = {
    NEW: ["WORKING", "QUALIFIED", "DISQUALIFIED", "CONVERTED"],
    WORKING: ["QUALIFIED", "DISQUALIFIED", "CONVERTED"],
    QUALIFIED: ["WORKING", "DISQUALIFIED", "CONVERTED"],
    DISQUALIFIED: ["WORKING", "QUALIFIED"],
    CONVERTED: [],
  };
  for (const from of LEAD_STATUSES) {
    for (const to of LEAD_STATUSES) {
      it(`${from} → ${to}: ${allowed[from]!.includes(to)}`, () => expect(canTransition(from, to)).toBe(allowed[from]!.includes(to)));
    }
  }
});

describe("seniorityFromTitle", () => {
  it.each([
    ["CEO & Co-Founder", "C_LEVEL"],
    ["Chief Revenue Officer", "C_LEVEL"],
    ["SVP Sales", "VP"],
    ["Vice President, Marketing", "VP"],
    ["Head of Data", "DIRECTOR"],
    ["Engineering Manager", "MANAGER"],
    ["Senior Engineer", "SENIOR"],
    ["Marketing Intern", "ENTRY"],
    ["Engineer", "UNKNOWN"],
    [null, "UNKNOWN"],
  ])("%j → %s", (title, expected) => expect(seniorityFromTitle(title)).toBe(expected));
});

describe("leadInputSchema", () => {
  it.each([
    [{ email: "a@b.com" }, null],
    [{ externalId: "x-1" }, null],
    [{}, "email"],
    [{ email: "nope" }, "email"],
    [{ email: "a@b.com", employeeCount: -1 }, "employeeCount"],
    [{ email: "a@b.com", employeeCount: "12.5" }, "employeeCount"],
    [{ email: "a@b.com", country: "XX" }, "country"],
    [{ email: "a@b.com", timeZone: "Mars/Olympus" }, "timeZone"],
    [{ email: "a@b.com", companyDomain: "not a domain" }, "companyDomain"],
    [{ email: "a@b.com", outcome: "maybe" }, "outcome"],
    [{ email: "a@b.com", attributes: { big: "x".repeat(17_000) } }, "attributes"],
    [{ email: "a@b.com", attributes: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i])) }, "attributes"],
    [{ email: "a@b.com", deal: { amount: "-1" } }, "deal.amount"],
    [{ email: "a@b.com", deal: { amount: "abc" } }, "deal.amount"],
  ])("%j → error on %s", (input, field) => {
    const r = leadInputSchema.safeParse(input);
    if (field === null) expect(r.success).toBe(true);
    else expect(r.error?.issues.map((i) => i.path.join("."))).toContain(field);
  });

  it("coerces CSV strings: numbers with thousands separators, booleans, outcomes", () => {
    const r = leadInputSchema.parse({ email: "a@b.com", employeeCount: "1,200", doNotContact: "yes", outcome: "won", deal: { amount: "2500.50", currency: "eur" } });
    expect(r).toMatchObject({ employeeCount: 1200, doNotContact: true, outcome: "CONVERTED", deal: { amount: 2500.5, currency: "EUR" } });
  });
});

describe("merging", () => {
  it("never erases with empty values, replaces changed ones and reports both", () => {
    const { update, changes } = mergeFields({ firstName: "Ada", title: "CTO", phone: null }, { firstName: "", title: "CEO", phone: "+44 1" });
    expect(update).toEqual({ title: "CEO", phone: "+44 1" });
    expect(changes).toEqual({ title: { from: "CTO", to: "CEO" }, phone: { from: null, to: "+44 1" } });
  });

  it("merges attributes key by key", () => {
    const { merged, changes } = mergeAttributes({ a: 1, b: { x: 1 }, keep: true }, { a: 2, b: { x: 1 }, c: "new", d: null });
    expect(merged).toEqual({ a: 2, b: { x: 1 }, keep: true, c: "new" });
    expect(changes).toEqual({ a: { from: 1, to: 2 }, c: { from: null, to: "new" } });
  });
});

describe("import mapping", () => {
  it.each([
    ["First Name", "first_name"],
    ["firstName", "first_name"],
    ["E-mail", "e_mail"],
    [" Lead Source ", "lead_source"],
  ])("canonicalHeader(%j) = %s", (header, expected) => expect(canonicalHeader(header)).toBe(expected));

  it("maps known columns and synonyms, splits a full name, keeps the rest as attributes", () => {
    expect(
      recordToLeadInput({ "E-mail": "a@b.com", Name: "Ada King Lovelace", Organisation: "Engines", "Company Stage": "seed", Lifecycle: "customer", Stage: "proposal", Amount: "10", Colour: "blue", Empty: "" }),
    ).toEqual({
      email: "a@b.com",
      firstName: "Ada",
      lastName: "King Lovelace",
      companyName: "Engines",
      companyLifecycle: "customer",
      companyAttributes: { stage: "seed" },
      deal: { stage: "proposal", amount: "10" },
      attributes: { colour: "blue" },
    });
  });

  it("parses CSV with quotes and a BOM, and reports a broken file", () => {
    const ok = parseCsvRows('\uFEFFemail,note\n"a@b.com","hello, world"\n');
    expect(ok).toEqual({ ok: true, rows: [{ email: "a@b.com", note: "hello, world" }] });
    const broken = parseCsvRows('email,note\n"a@b.com,unterminated\n');
    expect(broken.ok).toBe(false);
  });
});
