// The pure rules around meeting slots and Drive assets: settings.meetings is
// validated (and its defaults apply), the recipient's zone is inferred
// (contact → company country → e-mail ccTLD → host), an all-day event in the
// host zone removes that day, assets are ranked by industry/persona/thread,
// and the quality gate allows a cited Drive file's link — and only that file.
import { describe, expect, it } from "vitest";
import { citedAssetsOf, rankAssets, type AssetCandidate } from "../../../src/domain/draft/asset.js";
import { meetingSettingsSchema, overlapsBusy, proposeMeetingSlots, slotRules, zonedInstant } from "../../../src/domain/draft/meeting-slot.js";
import { runQualityGate, DEFAULT_QUALITY_SETTINGS } from "../../../src/domain/draft/quality-gate.js";
import { countryOfEmail, recipientTimeZone } from "../../../src/domain/recipient-time-zone.js";
import { tenantSettingsSchema } from "../../../src/domain/tenant/tenant.js";

describe("settings.meetings", () => {
  it("has working defaults: Monday–Friday 09:00–17:00, 30 minutes, 2 h notice, 14 days, 3 slots", () => {
    const s = tenantSettingsSchema.parse({}).meetings;
    expect(s).toMatchObject({ timeZone: null, defaultDurationMinutes: 30, minimumNoticeMinutes: 120, horizonDays: 14, slotsOffered: 3, holidays: [] });
    expect(s.workingHours.mon).toEqual([{ start: "09:00", end: "17:00" }]);
    expect(s.workingHours.sat).toBeUndefined();
    expect(slotRules(s, "Europe/Berlin").hostTimeZone).toBe("Europe/Berlin");
    expect(slotRules({ ...s, timeZone: "Asia/Tokyo" }, "Europe/Berlin").hostTimeZone).toBe("Asia/Tokyo");
  });

  it("refuses bad zones, times, overlapping ranges, impossible dates and out-of-range numbers", () => {
    const bad = [
      { timeZone: "Mars/Olympus" },
      { workingHours: { mon: [{ start: "9:00", end: "17:00" }] } },
      { workingHours: { mon: [{ start: "17:00", end: "09:00" }] } },
      { workingHours: { mon: [{ start: "09:00", end: "13:00" }, { start: "12:00", end: "17:00" }] } },
      { workingHours: { funday: [{ start: "09:00", end: "17:00" }] } },
      { holidays: ["2026-02-30"] },
      { defaultDurationMinutes: 2 },
      { bufferBeforeMinutes: -5 },
      { slotsOffered: 4 },
      { horizonDays: 365 },
      { surprise: true },
    ];
    for (const b of bad) expect(meetingSettingsSchema.safeParse(b).success, JSON.stringify(b)).toBe(false);
    const good = meetingSettingsSchema.parse({ workingHours: { mon: [{ start: "08:00", end: "12:00" }, { start: "13:00", end: "24:00" }] }, holidays: ["2026-12-24"], slotsOffered: 2 });
    expect(good.workingHours.mon).toHaveLength(2);
    expect(good.workingHours.tue).toBeUndefined(); // a patch naming days replaces the default week
  });

  it("the settings drive the computation: holidays and working days are the tenant's", () => {
    const s = meetingSettingsSchema.parse({ workingHours: { wed: [{ start: "10:00", end: "12:00" }] }, holidays: ["2026-03-11"], minimumNoticeMinutes: 0 });
    const result = proposeMeetingSlots({ now: new Date("2026-03-09T07:00:00Z"), busy: [], durationMinutes: 30, ...slotRules(s, "Europe/Berlin") });
    expect(result.ok).toBe(true);
    // Wednesday 11 March is a holiday: the first slot is Wednesday 18 March, 10:00 Berlin (09:00Z).
    expect(result.slots[0]!.start.toISOString()).toBe("2026-03-18T09:00:00.000Z");
  });

  it("an all-day event (midnight to midnight in the host zone) takes the whole day; buffers count as busy", () => {
    const allDay = { start: new Date(zonedInstant(2026, 3, 10, 0, "Europe/Berlin")!), end: new Date(zonedInstant(2026, 3, 11, 0, "Europe/Berlin")!) };
    const result = proposeMeetingSlots({ now: new Date("2026-03-09T20:00:00Z"), busy: [allDay], durationMinutes: 30, hostTimeZone: "Europe/Berlin", workingHours: meetingSettingsSchema.parse({}).workingHours });
    expect(result.ok).toBe(true);
    for (const slot of result.slots) expect(slot.localStart.startsWith("2026-03-10")).toBe(false);
    expect(overlapsBusy({ start: new Date("2026-03-12T10:00:00Z"), end: new Date("2026-03-12T10:30:00Z") }, [{ start: new Date("2026-03-12T10:40:00Z"), end: new Date("2026-03-12T11:00:00Z") }], 0, 15)).toBe(true);
    expect(overlapsBusy({ start: new Date("2026-03-12T10:00:00Z"), end: new Date("2026-03-12T10:30:00Z") }, [{ start: new Date("2026-03-12T10:30:00Z"), end: new Date("2026-03-12T11:00:00Z") }])).toBe(false);
  });
});

describe("the recipient's time zone", () => {
  const host = "Europe/Berlin";
  it("the contact's own zone first, then the company's country, then the e-mail's ccTLD, then the host's", () => {
    expect(recipientTimeZone({ contactTimeZone: "Asia/Tokyo", companyCountry: "FR", email: "a@b.co.uk", hostTimeZone: host })).toEqual({ timeZone: "Asia/Tokyo", source: "CONTACT" });
    expect(recipientTimeZone({ contactTimeZone: "Not/AZone", companyCountry: "fr", email: "a@b.co.uk", hostTimeZone: host })).toEqual({ timeZone: "Europe/Paris", source: "COMPANY_COUNTRY" });
    expect(recipientTimeZone({ companyCountry: "ZZ", email: "a@b.co.uk", hostTimeZone: host })).toEqual({ timeZone: "Europe/London", source: "EMAIL_DOMAIN" });
    expect(recipientTimeZone({ email: "jo@firma.de", hostTimeZone: host })).toEqual({ timeZone: "Europe/Berlin", source: "EMAIL_DOMAIN" });
    expect(recipientTimeZone({ email: "jo@startup.io", hostTimeZone: "America/Chicago" })).toEqual({ timeZone: "America/Chicago", source: "HOST" });
    expect(recipientTimeZone({ email: "jo@corp.com", hostTimeZone: host })).toEqual({ timeZone: host, source: "HOST" });
  });

  it("generic and unknown TLDs imply no country", () => {
    expect(countryOfEmail("x@y.com")).toBeNull();
    expect(countryOfEmail("x@y.ai")).toBeNull();
    expect(countryOfEmail("x@y.co")).toBeNull();
    expect(countryOfEmail("x@y.com.au")).toBe("AU");
    expect(countryOfEmail("x@y.it")).toBe("IT");
    expect(countryOfEmail("no-at-sign")).toBeNull();
  });
});

describe("asset ranking", () => {
  const now = new Date("2026-12-07T00:00:00Z");
  const file = (id: string, name: string, description: string | null = null, modified = "2026-11-01T00:00:00Z"): AssetCandidate => ({
    id,
    name,
    description,
    mimeType: "application/pdf",
    webViewLink: `https://drive.google.com/file/d/${id}/view?usp=drivesdk`,
    modifiedTime: new Date(modified),
  });
  const files = [
    file("f1", "Healthcare case study.pdf", "How a hospital group cut scheduling time"),
    file("f2", "Security whitepaper.pdf", "SSO, SOC 2 and data residency"),
    file("f3", "Pricing overview 2026.pdf"),
    file("f4", "Team offsite photos.zip"),
    file("f5", "Healthcare security and pricing.pdf", null, "2024-01-01T00:00:00Z"),
  ];

  it("industry +3, persona +2, thread words +1 each; files with no reason are dropped", () => {
    const ranked = rankAssets(files, { threadText: "What does pricing look like for 200 seats?", industry: "Healthcare", title: "CTO", now });
    expect(ranked.map((r) => r.fileId)).toEqual(["f5", "f1", "f2", "f3"]);
    expect(ranked[0]).toMatchObject({ score: 3 + 2 + 1, reasons: ["industry:healthcare", "persona:technical", "thread:pricing"] }); // old: no recency bonus
    expect(ranked[1]).toMatchObject({ score: 3.5 });
    expect(ranked.find((r) => r.fileId === "f4")).toBeUndefined();
  });

  it("without any context nothing is offered", () => {
    expect(rankAssets(files, { threadText: "", industry: null, title: null, now })).toEqual([]);
  });

  it("a stored citedAssets value that is malformed widens nothing", () => {
    expect(citedAssetsOf([{ fileId: "a", name: "n", url: "https://drive.google.com/file/d/a/view" }, { fileId: "b", name: "n", url: "javascript:alert(1)" }, "x", null])).toEqual([
      { fileId: "a", name: "n", url: "https://drive.google.com/file/d/a/view" },
    ]);
    expect(citedAssetsOf({ not: "an array" })).toEqual([]);
  });
});

describe("quality gate: links of cited assets", () => {
  const cited = "https://drive.google.com/file/d/AAA111/view?usp=drivesdk";
  const context = { settings: DEFAULT_QUALITY_SETTINGS, postalAddress: null, unsubscribeHost: null };
  const draft = (body: string) => ({ subject: "Our call", bodyText: body, category: "ONE_TO_ONE" as const, mailbox: "oscar@seller.example" });
  const linkFindings = (body: string, allowedLinks?: string[]) => runQualityGate(draft(body), { ...context, ...(allowedLinks ? { allowedLinks } : {}) }).findings.filter((f) => f.check === "LINK_NOT_ALLOWED");

  it("allows exactly the cited file's link (query may differ), not the rest of its domain", () => {
    expect(linkFindings(`Hi Ana,\n\nThe case study:\n${cited}\n\nBest,\nOscar`, [cited])).toEqual([]);
    expect(linkFindings(`Hi Ana,\n\nThe case study:\nhttps://drive.google.com/file/d/AAA111/view\n\nBest,\nOscar`, [cited])).toEqual([]);
    expect(linkFindings(`Hi Ana,\n\nSee https://drive.google.com/file/d/OTHER/view too.\n\nBest,\nOscar`, [cited])).toHaveLength(1);
    expect(linkFindings(`Hi Ana,\n\n${cited}\nand https://evil.example/x\n\nBest,\nOscar`, [cited])).toHaveLength(1);
  });

  it("without the allowance the same link is refused", () => {
    expect(linkFindings(`Hi Ana,\n\nThe case study:\n${cited}\n\nBest,\nOscar`)).toHaveLength(1);
  });
});
