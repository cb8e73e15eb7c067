// The outbound rules (pure): lead status → HubSpot properties, the lifecycle
// stage only forward, the stage mapping read backwards, and which events
// become pushes or engagements.
import { describe, expect, it } from "vitest";
import { hubspotWorkFor, leadStatusToHubspot, lifecycleMovesForward, reverseStage } from "../../../src/domain/connection/hubspot.js";
import { DEFAULT_STAGES } from "../../../src/domain/pipeline/pipeline.js";

describe("HubSpot outbound rules", () => {
  it("maps every lead status; DISQUALIFIED leaves the lifecycle stage alone", () => {
    expect(leadStatusToHubspot("NEW")).toEqual({ lifecyclestage: "lead", hs_lead_status: "NEW" });
    expect(leadStatusToHubspot("QUALIFIED")).toEqual({ lifecyclestage: "salesqualifiedlead", hs_lead_status: "CONNECTED" });
    expect(leadStatusToHubspot("CONVERTED")).toEqual({ lifecyclestage: "opportunity", hs_lead_status: "OPEN_DEAL" });
    expect(leadStatusToHubspot("DISQUALIFIED")).toEqual({ lifecyclestage: null, hs_lead_status: "UNQUALIFIED" });
  });

  it("moves the lifecycle stage forward only, and never over a custom stage", () => {
    expect(lifecycleMovesForward(null, "lead")).toBe(true);
    expect(lifecycleMovesForward("subscriber", "salesqualifiedlead")).toBe(true);
    expect(lifecycleMovesForward("customer", "opportunity")).toBe(false);
    expect(lifecycleMovesForward("lead", "lead")).toBe(false);
    expect(lifecycleMovesForward("1234567", "lead")).toBe(false);
  });

  it("reads the stage mapping backwards: keeps a current stage that already maps, else the pipeline's first mapping, else closedwon/closedlost", () => {
    const mappings = [
      { pipelineId: "default", stageId: "contractsent", stage: "negotiation" },
      { pipelineId: "default", stageId: "decisionmakerboughtin", stage: "negotiation" },
      { pipelineId: "p2", stageId: "77", stage: "negotiation" },
    ];
    expect(reverseStage(mappings, DEFAULT_STAGES, "negotiation", { pipelineId: "default", stageId: "decisionmakerboughtin" })).toEqual({ pipelineId: "default", stageId: "decisionmakerboughtin" });
    expect(reverseStage(mappings, DEFAULT_STAGES, "negotiation", { pipelineId: "default", stageId: "appointmentscheduled" })).toEqual({ pipelineId: "default", stageId: "contractsent" });
    expect(reverseStage(mappings, DEFAULT_STAGES, "negotiation", { pipelineId: "p2", stageId: "1" })).toEqual({ pipelineId: "p2", stageId: "77" });
    expect(reverseStage(mappings, DEFAULT_STAGES, "closed_won", { pipelineId: "default", stageId: "contractsent" })).toEqual({ pipelineId: "default", stageId: "closedwon" });
    expect(reverseStage(mappings, DEFAULT_STAGES, "closed_lost", { pipelineId: null, stageId: null })).toEqual({ pipelineId: "default", stageId: "closedlost" });
    expect(reverseStage(mappings, DEFAULT_STAGES, "closed_won", { pipelineId: "p2", stageId: "1" })).toBeNull();
    expect(reverseStage(mappings, DEFAULT_STAGES, "proposal", { pipelineId: "default", stageId: "contractsent" })).toBeNull();
    expect(reverseStage(mappings, DEFAULT_STAGES, "no_such_stage", { pipelineId: "default", stageId: null })).toBeNull();
  });

  it("turns our events into pushes and engagements, and ignores the rest", () => {
    expect(hubspotWorkFor({ type: "sales.lead.converted", payload: { leadId: "l1", dealId: "d1" } })).toEqual([
      { kind: "PUSH", sourceType: "Lead", sourceId: "l1" },
      { kind: "PUSH", sourceType: "Deal", sourceId: "d1" },
    ]);
    expect(hubspotWorkFor({ type: "sales.draft.sent", payload: { draftId: "x" } })).toEqual([{ kind: "ENGAGEMENT", sourceType: "Draft", sourceId: "x" }]);
    expect(hubspotWorkFor({ type: "sales.meeting.booked", payload: { bookingId: "m" } })).toEqual([{ kind: "ENGAGEMENT", sourceType: "MeetingBooking", sourceId: "m" }]);
    expect(hubspotWorkFor({ type: "sales.recommendation.accepted", payload: { recommendationId: "r" } })).toEqual([{ kind: "ENGAGEMENT", sourceType: "Recommendation", sourceId: "r" }]);
    expect(hubspotWorkFor({ type: "sales.connection.crm_item_synced", payload: { itemId: "i" } })).toEqual([]);
    expect(hubspotWorkFor({ type: "sales.deal.updated", payload: {} })).toEqual([]);
  });
});
