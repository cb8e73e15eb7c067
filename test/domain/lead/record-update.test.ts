import { describe, expect, it } from "vitest";
import { LEAD_STATUSES, MAX_ATTRIBUTES_BYTES } from "../../../src/domain/lead/lead.js";
import { checkManualLeadStatus, companyPatchSchema, contactPatchSchema, diffFields, leadPatchSchema, patchAttributes, planEdit } from "../../../src/domain/lead/record-update.js";

describe("diffFields", () => {
  it("leaves absent fields, clears with null, replaces changed values and skips equal ones", () => {
    const existing = { title: "Engineer", phone: "+1 555", timeZone: null, employeeCount: 10, at: new Date("2026-01-01T00:00:00Z") };
    const { update, changes } = diffFields(existing, { title: "CTO", phone: null, timeZone: undefined, employeeCount: 10, at: new Date("2026-01-01T00:00:00Z") });
    expect(update).toEqual({ title: "CTO", phone: null });
    expect(changes).toEqual({ title: { from: "Engineer", to: "CTO" }, phone: { from: "+1 555", to: null } });
  });

  it("does not report clearing a field that is already empty", () => {
    expect(diffFields({ phone: null }, { phone: null }).changes).toEqual({});
    expect(diffFields({}, { phone: null }).changes).toEqual({});
  });
});

describe("patchAttributes", () => {
  it("sets, replaces and removes keys, reporting each change", () => {
    const result = patchAttributes({ tier: "gold", region: "EU", keep: 1 }, { tier: "platinum", region: null, added: [1, 2], missing: null });
    expect(result).toEqual({
      ok: true,
      attributes: { tier: "platinum", keep: 1, added: [1, 2] },
      changes: { tier: { from: "gold", to: "platinum" }, region: { from: "EU", to: null }, added: { from: null, to: [1, 2] } },
    });
  });

  it("refuses a patch that makes the attributes too large, and changes nothing when the patch is empty", () => {
    const big = patchAttributes({}, { blob: "x".repeat(MAX_ATTRIBUTES_BYTES) });
    expect(big.ok).toBe(false);
    expect(patchAttributes({ a: 1 }, undefined)).toEqual({ ok: true, attributes: { a: 1 }, changes: {} });
    expect(patchAttributes({ a: { b: 1 } }, { a: { b: 1 } })).toEqual({ ok: true, attributes: { a: { b: 1 } }, changes: {} });
  });
});

describe("planEdit", () => {
  it("combines field and attribute changes, and says when nothing changes", () => {
    const existing = { title: "CTO", attributes: { tier: "gold" } };
    const edit = planEdit(existing, { title: "CEO" }, { tier: null, region: "EU" });
    expect(edit).toEqual({
      ok: true,
      update: { title: "CEO", attributes: { region: "EU" } },
      changes: { title: { from: "CTO", to: "CEO" }, "attributes.tier": { from: "gold", to: null }, "attributes.region": { from: null, to: "EU" } },
      changed: true,
    });
    expect(planEdit(existing, { title: "CTO" }, { tier: "gold" })).toMatchObject({ ok: true, update: {}, changed: false });
    expect(planEdit(existing, { title: "CEO" }, { blob: "x".repeat(MAX_ATTRIBUTES_BYTES) })).toMatchObject({ ok: false, update: { title: "CEO" } });
  });
});

describe("checkManualLeadStatus", () => {
  const allowed: [string, string][] = [];
  for (const from of LEAD_STATUSES) {
    for (const to of LEAD_STATUSES) {
      if (!checkManualLeadStatus(from, to, ["input", "status"])) allowed.push([from, to]);
    }
  }

  it("allows only staying put and moving to WORKING from an open or disqualified lead", () => {
    expect(allowed.filter(([from, to]) => from !== to)).toEqual([
      ["NEW", "WORKING"],
      ["QUALIFIED", "WORKING"],
      ["DISQUALIFIED", "WORKING"],
    ]);
  });

  it("points to the mutation that does the other moves", () => {
    expect(checkManualLeadStatus("NEW", "QUALIFIED", ["f"])?.message).toMatch(/leadQualify/);
    expect(checkManualLeadStatus("WORKING", "DISQUALIFIED", ["f"])?.message).toMatch(/leadQualify/);
    expect(checkManualLeadStatus("QUALIFIED", "CONVERTED", ["f"])?.message).toMatch(/leadConvert/);
    expect(checkManualLeadStatus("CONVERTED", "WORKING", ["f"])).toMatchObject({ code: "INVALID_TRANSITION", field: ["f"] });
  });
});

describe("patch schemas", () => {
  it("normalises e-mail addresses, treats empty text as clearing, and rejects bad values", () => {
    const ok = contactPatchSchema.parse({ email: " Ana.B+news@Example.COM ", title: "", phone: null });
    expect(ok.email?.normalized).toBe("ana.b+news@example.com");
    expect(ok.title).toBeNull();
    expect(ok.phone).toBeNull();
    expect(contactPatchSchema.safeParse({ email: "nope" }).success).toBe(false);
    expect(contactPatchSchema.safeParse({ timeZone: "Mars/Base" }).success).toBe(false);
    expect(contactPatchSchema.safeParse({ seniority: "BOSS" }).success).toBe(false);
    expect(contactPatchSchema.safeParse({ doNotContact: null }).success).toBe(false);
  });

  it("accepts only business domains a company can be known by", () => {
    expect(companyPatchSchema.parse({ addDomains: ["https://www.Acme-Labs.io/team"] }).addDomains).toEqual(["acme-labs.io"]);
    expect(companyPatchSchema.safeParse({ addDomains: ["gmail.com"] }).success).toBe(false);
    expect(companyPatchSchema.safeParse({ addDomains: ["mailinator.com"] }).success).toBe(false);
    expect(companyPatchSchema.safeParse({ addDomains: ["not a domain"] }).success).toBe(false);
    expect(companyPatchSchema.parse({ country: "de", employeeCount: null }).country).toBe("DE");
    expect(companyPatchSchema.safeParse({ employeeCount: -1 }).success).toBe(false);
    expect(companyPatchSchema.safeParse({ employeeCount: 1.5 }).success).toBe(false);
    expect(companyPatchSchema.safeParse({ name: " " }).success).toBe(false);
    expect(companyPatchSchema.safeParse({ name: null }).success).toBe(false);
  });

  it("keeps the lead patch to known statuses and outcomes", () => {
    expect(leadPatchSchema.parse({ outcome: null, source: " event " })).toEqual({ outcome: null, source: "event" });
    expect(leadPatchSchema.safeParse({ status: "LOST" }).success).toBe(false);
    expect(leadPatchSchema.safeParse({ source: "" }).success).toBe(false);
  });
});
