// The HubSpot mapping rules: the conflict rule, the stage mapping and its
// validation, property parsing (canonical e-mail, domain).
import { describe, expect, it } from "vitest";
import { companyFields, contactFields, dealFields, mapStage, resolveConflict, stageMappingErrors } from "../../../src/domain/connection/hubspot.js";
import { DEFAULT_STAGES } from "../../../src/domain/pipeline/pipeline.js";

const t = (iso: string) => new Date(iso);

describe("conflict rule", () => {
  const current = { firstName: "Ours", phone: "1", doNotContact: true };
  const candidate = { firstName: "Theirs", phone: "2", doNotContact: false };

  it("never synced: HubSpot's values apply, except fields we own", () => {
    const r = resolveConflict("Contact", candidate, { ...current, firstName: null }, { hubspotModifiedAt: t("2026-01-02"), localUpdatedAt: t("2026-01-01"), mark: null });
    expect(r).toEqual({ apply: { firstName: "Theirs", phone: "2" }, keptLocal: [] });
  });

  it("our edit after the last sync and later than HubSpot's: shared fields keep ours, HubSpot-owned fields follow HubSpot", () => {
    const r = resolveConflict("Contact", candidate, current, {
      hubspotModifiedAt: t("2026-01-02T10:00:00Z"),
      localUpdatedAt: t("2026-01-02T11:00:00Z"),
      mark: { hubspotModifiedAt: t("2026-01-01"), localUpdatedAt: t("2026-01-01T01:00:00Z") },
    });
    expect(r).toEqual({ apply: { phone: "2" }, keptLocal: ["firstName"] });
  });

  it("HubSpot's change is the later one: it wins the shared fields too", () => {
    const r = resolveConflict("Contact", candidate, current, {
      hubspotModifiedAt: t("2026-01-02T12:00:00Z"),
      localUpdatedAt: t("2026-01-02T11:00:00Z"),
      mark: { hubspotModifiedAt: t("2026-01-01"), localUpdatedAt: t("2026-01-01T01:00:00Z") },
    });
    expect(r).toEqual({ apply: { firstName: "Theirs", phone: "2" }, keptLocal: [] });
  });

  it("nothing changed here since the last sync: HubSpot applies even if our row's time is later", () => {
    const r = resolveConflict("Contact", candidate, current, {
      hubspotModifiedAt: t("2026-01-02T10:00:00Z"),
      localUpdatedAt: t("2026-01-03"),
      mark: { hubspotModifiedAt: t("2026-01-01"), localUpdatedAt: t("2026-01-03") },
    });
    expect(r.apply).toEqual({ firstName: "Theirs", phone: "2" });
  });
});

describe("stage mapping", () => {
  const mappings = [{ pipelineId: "default", stageId: "contractsent", stage: "negotiation" }];

  it("maps configured stages, closedwon/closedlost by kind, and nothing else", () => {
    expect(mapStage(mappings, DEFAULT_STAGES, "default", "contractsent")?.key).toBe("negotiation");
    expect(mapStage(mappings, DEFAULT_STAGES, "other-pipeline", "contractsent")).toBeNull();
    expect(mapStage(mappings, DEFAULT_STAGES, "x", "closedwon")?.key).toBe("closed_won");
    expect(mapStage(mappings, DEFAULT_STAGES, "x", "closedlost")?.key).toBe("closed_lost");
    expect(mapStage(mappings, DEFAULT_STAGES, "default", "appointmentscheduled")).toBeNull();
  });

  it("refuses unknown stages of ours and a HubSpot stage mapped twice", () => {
    expect(stageMappingErrors([...mappings, { pipelineId: "default", stageId: "contractsent", stage: "nope" }], { stages: DEFAULT_STAGES })).toEqual([
      { index: 1, field: "stage", message: expect.stringContaining("nope") },
      { index: 1, field: "stageId", message: expect.stringContaining("more than once") },
    ]);
    expect(stageMappingErrors(mappings, { stages: DEFAULT_STAGES })).toEqual([]);
  });
});

describe("properties", () => {
  it("contacts get lead ingest's canonical e-mail", () => {
    expect(contactFields({ email: " Jane.Doe+x@GoogleMail.com ", firstname: "Jane" }).email).toEqual({ normalized: "janedoe@gmail.com", original: "Jane.Doe+x@GoogleMail.com", domain: "gmail.com" });
    expect(contactFields({ email: "not an address" }).email).toBeNull();
  });

  it("companies and deals", () => {
    expect(companyFields({ name: "", domain: "https://www.Acme.example/x", numberofemployees: "120", country: "de" }, "9")).toMatchObject({ name: "acme.example", domain: "acme.example", employeeCount: 120, country: "DE" });
    expect(dealFields({ dealname: "D", amount: "12.5", deal_currency_code: "EUR", closedate: "2026-03-01T00:00:00Z" }, "1")).toMatchObject({ amount: "12.50", currency: "EUR", expectedCloseDate: new Date("2026-03-01T00:00:00Z") });
  });
});
