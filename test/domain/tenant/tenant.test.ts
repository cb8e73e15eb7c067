import { describe, expect, it } from "vitest";
import { applyMergePatch, readTenantSettings, tenantSettingsSchema } from "../../../src/domain/tenant/tenant.js";

describe("JSON merge patch (RFC 7386)", () => {
  // Examples from RFC 7386, appendix A.
  it.each([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])("%j + %j = %j", (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });
});

describe("tenant settings", () => {
  it("fills defaults for missing sections", () => {
    expect(readTenantSettings({}).general).toEqual({ timeZone: "UTC", locale: "en", currency: "USD" });
  });
  it("rejects unknown keys and bad values", () => {
    expect(tenantSettingsSchema.safeParse({ general: { timeZone: "Nowhere/Town" } }).success).toBe(false);
    expect(tenantSettingsSchema.safeParse({ bogus: {} }).success).toBe(false);
  });
});
