// The send claim's decision (shared by the single send and the batch): which
// check refuses first, with the reason and code each path settles it with; the
// quota last; and the EMAIL_SENT activity of a sent draft.
import { describe, expect, it } from "vitest";
import { quotaRefusal, sendRefusal, sentEmailActivity, type SendFacts } from "../../../src/domain/draft/draft-delivery.js";
import type { QualityReport } from "../../../src/domain/draft/quality-gate.js";
import { DEFAULT_QUOTA_SETTINGS, evaluateQuota, quotaRules } from "../../../src/domain/sending/quota.js";
import { judgeSendingDomain } from "../../../src/domain/sending/sending-domain.js";

const PASSING: QualityReport = { verdict: "PASS", findings: [], version: 1 };
const BLOCKED: QualityReport = {
  verdict: "BLOCK",
  findings: [
    { check: "SPAM_PHRASE", severity: "WARN", message: "Sounds like spam.", location: "body" },
    { check: "PROHIBITED_TERM", severity: "BLOCK", message: "Contains a prohibited term.", location: "body" },
  ],
  version: 1,
};
// An answered lookup with no DMARC record at all: alignment FAIL. No answer: UNKNOWN.
const FAILING_DOMAIN = judgeSendingDomain("acme.example", { spf: { status: "NONE" }, dmarc: { status: "NONE" }, dkim: [] }, { spfIncludes: [] });
const UNANSWERED_DOMAIN = judgeSendingDomain(
  "acme.example",
  { spf: { status: "UNREACHABLE", error: "timeout" }, dmarc: { status: "UNREACHABLE", error: "timeout" }, dkim: [] },
  { spfIncludes: [] },
);
const LATER = new Date("2026-03-10T15:00:00.000Z");

/** A draft that may be claimed: every fact clear. */
const clear: SendFacts = {
  suspended: false,
  sending: { mode: "SEND_ALLOWED", tenantKillSwitch: false, globalKillSwitch: false },
  suppression: null,
  quality: PASSING,
  mailboxPause: null,
  route: { kind: "default", why: "no Google connection with a send scope for this mailbox" },
  transport: "smtp",
  domainCheck: null,
  windowHold: null,
};

/** Every fact refusing at once: the order of the checks decides which one is named. */
const everything: SendFacts = {
  suspended: true,
  sending: { mode: "DRAFT_ONLY", tenantKillSwitch: true, globalKillSwitch: false },
  suppression: "The recipient is on the suppression list (UNSUBSCRIBED).",
  quality: BLOCKED,
  mailboxPause: "The sender mailbox sales@acme.example is paused: too many bounces.",
  route: { kind: "refused", code: "GMAIL_NEEDS_REAUTH", reason: "its Google connection needs to be connected again." },
  transport: null,
  domainCheck: FAILING_DOMAIN,
  windowHold: { until: LATER, reason: "Waiting for the recipient's send window (Europe/Berlin)." },
};

describe("sendRefusal", () => {
  it("lets a draft with every fact clear be claimed", () => {
    expect(sendRefusal(clear)).toBeNull();
  });

  it("names the first failing check, in the claim's order: suspension, stop, suppression, gate, pause, route, DMARC, window", () => {
    const order: (keyof SendFacts)[] = ["suspended", "sending", "suppression", "quality", "mailboxPause", "route", "domainCheck", "windowHold"];
    const named: string[] = [];
    // Clear the facts one by one from the front: each time the next check is the one named.
    let facts: SendFacts = { ...everything };
    for (const fact of order) {
      named.push(sendRefusal(facts)!.check);
      facts = { ...facts, [fact]: clear[fact], ...(fact === "route" ? { transport: clear.transport } : {}) };
    }
    expect(named).toEqual(["TENANT_SUSPENDED", "STOPPED", "SUPPRESSED", "QUALITY_BLOCKED", "MAILBOX_PAUSED", "ROUTE_REFUSED", "DMARC_NOT_ALIGNED", "WINDOW_HOLD"]);
    expect(sendRefusal(facts)).toBeNull();
  });

  it("stops on a kill switch before the mode (either switch), with the reason the draft is cancelled with", () => {
    expect(sendRefusal({ ...clear, sending: { mode: "DRAFT_ONLY", tenantKillSwitch: false, globalKillSwitch: true } })).toEqual({
      check: "STOPPED",
      stop: "KILL_SWITCH",
      reason: "Stopped by the kill switch before sending.",
    });
    expect(sendRefusal({ ...clear, sending: { mode: "DRAFT_ONLY", tenantKillSwitch: false, globalKillSwitch: false } })).toEqual({
      check: "STOPPED",
      stop: "DRAFT_ONLY",
      reason: "The tenant switched to DRAFT_ONLY before the send went out.",
    });
  });

  it("cancels a suppressed recipient with the suppression's own reason", () => {
    expect(sendRefusal({ ...clear, suppression: "The contact is marked do-not-contact." })).toEqual({ check: "SUPPRESSED", reason: "The contact is marked do-not-contact." });
  });

  it("blocks on the gate's BLOCK verdict with the blocking findings' messages only; a WARN verdict sends", () => {
    expect(sendRefusal({ ...clear, quality: BLOCKED })).toEqual({ check: "QUALITY_BLOCKED", report: BLOCKED, reason: "Contains a prohibited term." });
    expect(sendRefusal({ ...clear, quality: { ...BLOCKED, verdict: "WARN", findings: [BLOCKED.findings[0]!] } })).toBeNull();
  });

  it("holds a paused mailbox's draft with the pause's reason", () => {
    expect(sendRefusal({ ...clear, mailboxPause: everything.mailboxPause })).toEqual({ check: "MAILBOX_PAUSED", reason: everything.mailboxPause });
  });

  it("fails a refused route with its code, and a Gmail route without a Gmail transport as GMAIL_UNAVAILABLE", () => {
    expect(sendRefusal({ ...clear, route: everything.route, transport: null })).toEqual({
      check: "ROUTE_REFUSED",
      code: "GMAIL_NEEDS_REAUTH",
      reason: "Not sent: its Google connection needs to be connected again.",
    });
    const gmail = { kind: "gmail", connectionId: "c1", why: "the mailbox has a Google connection with a send scope" } as const;
    expect(sendRefusal({ ...clear, route: gmail, transport: null })).toEqual({
      check: "ROUTE_REFUSED",
      code: "GMAIL_UNAVAILABLE",
      reason: "Not sent: the mailbox sends through Gmail, but this instance has no Google connectors configured.",
    });
    expect(sendRefusal({ ...clear, route: gmail, transport: "gmail" })).toBeNull();
  });

  it("fails DMARC only on an answered check that fails; an unanswered one, or none (not enforced), never blocks", () => {
    const refusal = sendRefusal({ ...clear, domainCheck: FAILING_DOMAIN });
    expect(refusal).toMatchObject({ check: "DMARC_NOT_ALIGNED" });
    expect(refusal && "reason" in refusal ? refusal.reason : "").toMatch(/acme\.example/);
    expect(UNANSWERED_DOMAIN.alignment).toBe("UNKNOWN");
    expect(sendRefusal({ ...clear, domainCheck: UNANSWERED_DOMAIN })).toBeNull();
    expect(sendRefusal({ ...clear, domainCheck: null })).toBeNull();
  });

  it("holds a sequence or campaign draft until its window, with the hold's reason", () => {
    expect(sendRefusal({ ...clear, windowHold: everything.windowHold })).toEqual({ check: "WINDOW_HOLD", ...everything.windowHold });
  });
});

describe("quotaRefusal", () => {
  const now = new Date("2026-03-10T12:00:00.000Z");
  const rules = quotaRules({ ...DEFAULT_QUOTA_SETTINGS, contact: { limit: 1, windowHours: 24 } }, { mailbox: "sales@acme.example", recipient: "ana@client.example" });

  it("is null while every limit has room", () => {
    expect(quotaRefusal(evaluateQuota(rules, { MAILBOX: [], CONTACT: [], DOMAIN: [] }, now))).toBeNull();
  });

  it("holds until the binding limit frees up, with its description", () => {
    const sentAt = new Date(now.getTime() - 3_600_000);
    expect(quotaRefusal(evaluateQuota(rules, { MAILBOX: [], CONTACT: [sentAt], DOMAIN: [] }, now))).toEqual({
      check: "QUOTA",
      until: new Date(sentAt.getTime() + 24 * 3_600_000),
      reason: `The recipient limit for ana@client.example (1 per 24 h) is reached; it frees up at ${new Date(sentAt.getTime() + 24 * 3_600_000).toISOString()}.`,
    });
  });
});

describe("sentEmailActivity", () => {
  it("records the sent draft as an outbound EMAIL_SENT activity, approvers by id", () => {
    const at = new Date("2026-03-10T12:00:00.000Z");
    const draft = {
      id: "d1",
      tenantId: "t1",
      subject: "Following up",
      bodyText: "Hi Ana",
      contactId: "c1",
      leadId: null,
      dealId: "deal1",
      authorUserId: "u1",
      messageId: "<d1@acme.example>",
      mailbox: "sales@acme.example",
    };
    const approvals = [
      { approverId: "api-key:k1", approverUserId: null },
      { approverId: "user:u2", approverUserId: "u2" },
    ];
    expect(sentEmailActivity(draft, { providerMessageId: "local:1", at, approvals })).toEqual({
      tenantId: "t1",
      type: "EMAIL_SENT",
      direction: "OUTBOUND",
      occurredAt: at,
      subject: "Following up",
      body: "Hi Ana",
      contactId: "c1",
      leadId: null,
      dealId: "deal1",
      actorUserId: "u1",
      metadata: { draftId: "d1", messageId: "<d1@acme.example>", providerMessageId: "local:1", mailbox: "sales@acme.example", approvedBy: ["api-key:k1", "u2"] },
    });
  });
});
