// The demo data of `npm run dev:fakes` for one Google account, shared with the
// test that runs scripts/walkthrough-google.ts (so the walkthrough is tested
// against exactly what a new user sees): five inbound messages, a calendar busy
// 09–10 and 13–14 UTC every day for 30 days, and an allowlistable Drive folder
// of collateral.
import type { FakeGoogle } from "./server.js";

/** The Drive folder to allowlist (settings.assets.folderIds). */
export const DEMO_ASSET_FOLDER_ID = "fld-demo-sales-collateral";

export function seedGoogleDemo(google: FakeGoogle, email: string, today = new Date()): { folderId: string } {
  google.gmail.seedMailbox(email, 5, { from: "buyer@prospect.example", subjectPrefix: "Question about the pilot" });
  google.calendar.seedBusyCalendar(email, { from: today, days: 30, busyRanges: [{ startHourUtc: 9, endHourUtc: 10 }, { startHourUtc: 13, endHourUtc: 14 }] });
  const folder = google.drive.addFolder("Sales collateral", { id: DEMO_ASSET_FOLDER_ID });
  google.drive.addFile(folder.id, { name: "Pricing overview.pdf", content: "pricing plans for manufacturing and logistics teams" });
  google.drive.addFile(folder.id, { name: "Security whitepaper.pdf", content: "SOC 2, ISO 27001, data residency" });
  google.drive.addFile(folder.id, { name: "Case study - Acme Logistics.pdf", content: "logistics case study, 30% faster replies" });
  return { folderId: folder.id };
}

/**
 * The fake DNS's records for `npm run dev:fakes`: the demo tenant's domain and the demo
 * Google account's domain set up well (SPF, DKIM with selector google, DMARC) — the
 * deliverability guardrail checks the sending domain before a send, and the walkthrough
 * sends from the Google account — and one domain without DMARC.
 */
export function demoDnsRecords(googleUserEmail: string): Record<string, string[]> {
  const wellSetUp = (domain: string): Record<string, string[]> => ({
    [domain]: ["v=spf1 include:_spf.google.com ~all"],
    [`google._domainkey.${domain}`]: ["v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAdemo"],
    [`_dmarc.${domain}`]: ["v=DMARC1; p=quarantine; adkim=r; aspf=r"],
  });
  const googleDomain = googleUserEmail.split("@")[1]!.toLowerCase();
  return { ...wellSetUp("demo-sales.example"), ...wellSetUp(googleDomain), "no-dmarc.example": ["v=spf1 include:_spf.google.com -all"] };
}
