// What text and JSON can be stored, and the import and attribute-patch rules
// built on it (pure functions: no database).
import { describe, expect, it } from "vitest";
import { importRowProblem, parseCsvRows, recordToLeadInput } from "../../../src/domain/lead/lead-import.js";
import { patchAttributes } from "../../../src/domain/lead/record-update.js";
import { unstorableText, valueProblem } from "../../../src/domain/draft/safe-text.js";

describe("unstorableText", () => {
  it.each([
    ["plain", null],
    ["emoji 😀 and ä", null],
    ["a\u0000b", "contains a NUL character"],
    ["x\uD800y", "contains an unpaired UTF-16 surrogate (not valid Unicode)"],
    ["\uDC00", "contains an unpaired UTF-16 surrogate (not valid Unicode)"],
    ["\uD83D", "contains an unpaired UTF-16 surrogate (not valid Unicode)"],
    ["\uDE00\uD83D", "contains an unpaired UTF-16 surrogate (not valid Unicode)"],
  ])("%j → %j", (text, expected) => {
    expect(unstorableText(text)).toBe(expected);
  });
});

describe("valueProblem", () => {
  it("finds text, keys and depth problems with their path", () => {
    expect(valueProblem({ a: [1, "ok", { b: "x\u0000" }] })).toEqual({ path: ["a", "2", "b"], message: "contains a NUL character" });
    expect(valueProblem(JSON.parse('{"a": {"__proto__": 1}}'))).toEqual({ path: ["a", "__proto__"], message: 'uses the reserved key "__proto__"' });
    expect(valueProblem({ constructor: 1 })).toEqual({ path: ["constructor"], message: 'uses the reserved key "constructor"' });
    expect(valueProblem({ ["k\u0000"]: 1 })?.message).toBe("has a key that contains a NUL character");
    expect(valueProblem({ a: 1, b: [true, null, 2.5], c: { d: "fine" } })).toBeNull();
  });

  it("refuses nesting beyond the limit without recursion (10,000 levels)", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(valueProblem(deep)?.message).toBe("is nested more than 32 levels deep");
    let ok: unknown = 1;
    for (let i = 0; i < 31; i++) ok = { a: ok };
    expect(valueProblem(ok)).toBeNull();
  });

  it("checks only the depth below a lenient path", () => {
    const args = { input: { csv: "a\u0000", title: "t" } };
    expect(valueProblem(args, { lenientAt: ["input.csv"] })).toBeNull();
    expect(valueProblem(args, { lenientAt: ["input.title"] })?.path).toEqual(["input", "csv"]);
  });
});

describe("lead import rows", () => {
  it("names the cell that cannot be stored", () => {
    expect(importRowProblem({ email: "a@b.example", first_name: "A\u0000" })).toEqual({ message: "first_name contains a NUL character", path: ["first_name"] });
    expect(importRowProblem({ email: "a@b.example" })).toBeNull();
  });

  it("refuses a CSV header named like a built-in, and never looks one up on Object.prototype", () => {
    for (const header of ["constructor", "prototype", "Constructor", "__proto__"]) {
      const parsed = parseCsvRows(`email,${header}\na@b.example,x\n`);
      expect(parsed).toEqual({ ok: false, message: `The column name "${header}" is reserved; rename the column.`, field: ["input", "csv"] });
    }
    const parsed = parseCsvRows("email,toString,hasOwnProperty\na@b.example,x,y\n");
    expect(parsed.ok).toBe(true);
    const input = recordToLeadInput((parsed as { rows: Record<string, unknown>[] }).rows[0]!);
    expect({ ...(input.attributes as object) }).toEqual({ to_string: "x", has_own_property: "y" });
  });

  it("keeps a JSON row's deal and attributes objects free of prototype tricks", () => {
    const input = recordToLeadInput(JSON.parse('{"email": "a@b.example", "deal": {"__proto__": {"polluted": true}, "name": "D"}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(input.deal)).toBeNull();
  });
});

describe("patchAttributes", () => {
  it("refuses reserved attribute names and reads only own keys", () => {
    expect(patchAttributes({}, { constructor: "x" })).toEqual({ ok: false, message: 'the attribute name "constructor" is reserved' });
    expect(patchAttributes({}, JSON.parse('{"__proto__": {"a": 1}}'))).toEqual({ ok: false, message: 'the attribute name "__proto__" is reserved' });
    expect(patchAttributes({}, { toString: null })).toEqual({ ok: true, attributes: {}, changes: {} });
    expect(patchAttributes({}, { toString: "x" })).toEqual({ ok: true, attributes: { toString: "x" }, changes: { toString: { from: null, to: "x" } } });
  });
});
