// The quality gate, check by check: cases that must be caught, near misses
// that must not, and real-looking clean drafts that must pass untouched.
import { describe, expect, it } from "vitest";
import {
  DEFAULT_QUALITY_SETTINGS,
  findPlaceholders,
  isValidIban,
  passesLuhn,
  qualitySettingsSchema,
  runQualityGate,
  type DraftContent,
  type GateContext,
  type QualityCheck,
} from "../../../src/domain/draft/quality-gate.js";

const context: GateContext = { settings: DEFAULT_QUALITY_SETTINGS, postalAddress: null, unsubscribeHost: "mail.acme.example" };

function draft(body: string, extra: Partial<DraftContent> = {}): DraftContent {
  return { subject: "Quick question about your Q3 pipeline", bodyText: body, category: "ONE_TO_ONE", mailbox: "sam@acme.example", ...extra };
}

const CLEAN: DraftContent[] = [
  draft(
    "Hi Ana,\n\nI noticed Client Co opened a second office in Lisbon last month. Teams at that stage often find their lead routing starts to creak.\n\nWould a 20-minute call next Tuesday or Wednesday be useful? I can share how Northwind cut their response time from two days to four hours.\n\nBest,\nSam\nAcme Sales | +1 415 555 0100",
  ),
  draft("Hello Mr. Okafor,\n\nThanks for your time on Thursday. As promised, the pricing overview is at https://www.acme.example/pricing and our security notes are at https://docs.acme.example/security.\n\nOrder reference 2024-118 is confirmed for delivery on 3 June.\n\nKind regards,\nSam", {
    subject: "Follow-up: pricing and security notes",
  }),
  draft("Hi Lena, following up on my note from last week [1]. Happy to adjust to your schedule — would Friday work?\n\n[1] Our case study with Contoso (attached as PDF).\n\nCheers, Sam", {
    subject: "Re: [Update] onboarding timeline",
  }),
  draft("Dear Priya,\n\nGreat speaking with you. Per our discussion, the pilot covers 25 seats for 60 days at no charge. I'll send the order form separately.\n\nAll the best,\nSam Lee\nAccount Executive, Acme\n500 Market St, San Francisco, CA 94105", { subject: "Pilot details" }),
];

describe("clean drafts", () => {
  it.each(CLEAN.map((d, i) => [i, d] as const))("real-looking draft %i passes with no findings", (_i, d) => {
    expect(runQualityGate(d, context)).toEqual({ verdict: "PASS", findings: [], version: 1 });
  });
});

type Case = [name: string, content: DraftContent, check: QualityCheck, severity: "BLOCK" | "WARN" | null, ctx?: Partial<GateContext>];

const CASES: Case[] = [
  // Prohibited terms: defaults and the tenant's own.
  ["guaranteed results", draft("Our platform delivers guaranteed results for every customer in the first month."), "PROHIBITED_TERM", "BLOCK"],
  ["'this is not spam' (any case)", draft("Hi there, This Is Not Spam, just a quick note about our product for your team."), "PROHIBITED_TERM", "BLOCK"],
  ["tenant term", draft("We beat MegaCorp on every benchmark we ran for teams like yours this quarter."), "PROHIBITED_TERM", "BLOCK", { settings: qualitySettingsSchema.parse({ prohibitedTerms: ["megacorp"] }) }],
  ["tenant term only as a whole word", draft("Our megacorporation clients saw results on every benchmark we ran this quarter."), "PROHIBITED_TERM", null, { settings: qualitySettingsSchema.parse({ prohibitedTerms: ["megacorp"] }) }],
  // Spam phrasing.
  ["one spam phrase warns", draft("Click here to book a slot in my calendar for next week's walkthrough, Ana."), "SPAM_PHRASE", "WARN"],
  ["three spam phrases block", draft("Act now! This limited time offer is 100% free, so buy now before it ends for your team."), "SPAM_PHRASE", "BLOCK"],
  ["'free' alone is fine", draft("Are you free on Tuesday afternoon for a short call about your onboarding plans?"), "SPAM_PHRASE", null],
  // Shouting / aggressive tone.
  ["capital subject", draft("Hi Ana, a short note about the renewal terms we discussed last week.", { subject: "URGENT RENEWAL DECISION NEEDED" }), "SHOUTING", "WARN"],
  ["capital body", draft("PLEASE READ THIS CAREFULLY BECAUSE YOUR ACCOUNT WILL BE CLOSED IF YOU DO NOT ANSWER TODAY."), "SHOUTING", "BLOCK"],
  ["run of capital words", draft("Hi Ana, just a reminder: PLEASE READ THIS NOW before the meeting on Friday."), "SHOUTING", "WARN"],
  ["exclamation marks", draft("Hi Ana, great news about the renewal!!! Let me know when you can talk."), "SHOUTING", "WARN"],
  ["acronyms are not shouting", draft("Our API and SSO support SAML and SCIM, and the SOC 2 report is available on request for your IT team."), "SHOUTING", null],
  ["aggressive", draft("This is your final warning about the renewal; you must reply by Friday or the price goes up."), "AGGRESSIVE_TONE", "WARN"],
  // Placeholders.
  ["{{first_name}}", draft("Hi {{first_name}}, I saw your team is hiring and wanted to reach out about onboarding."), "UNRESOLVED_PLACEHOLDER", "BLOCK"],
  ["[Company]", draft("Hi Ana, I think [Company] could cut onboarding time in half with our platform."), "UNRESOLVED_PLACEHOLDER", "BLOCK"],
  ["[First Name] in the subject", draft("Hi Ana, a short note about onboarding for your team this quarter.", { subject: "A question for [First Name]" }), "UNRESOLVED_PLACEHOLDER", "BLOCK"],
  ["{company_name}", draft("Hi Ana, teams like {company_name} usually start with the pilot package and grow from there."), "UNRESOLVED_PLACEHOLDER", "BLOCK"],
  ["<<Name>>", draft("Dear <<Name>>, thanks for visiting our booth at the conference last week."), "UNRESOLVED_PLACEHOLDER", "BLOCK"],
  ["%FIRST_NAME%", draft("Dear %FIRST_NAME%, thanks for visiting our booth at the conference last week."), "UNRESOLVED_PLACEHOLDER", "BLOCK"],
  ["TODO left in", draft("Hi Ana, TODO add the case study link here before sending this to the team."), "UNRESOLVED_PLACEHOLDER", "BLOCK"],
  ["markdown link is not a placeholder", draft("Hi Ana, here is [our pricing page](https://acme.example/pricing) as promised."), "UNRESOLVED_PLACEHOLDER", null],
  // Lengths.
  ["subject too long", draft("Hi Ana, a short note about onboarding.", { subject: "x".repeat(151) }), "SUBJECT_LENGTH", "BLOCK"],
  ["subject very short", draft("Hi Ana, a short note about onboarding for your team.", { subject: "Hi" }), "SUBJECT_LENGTH", "WARN"],
  ["body too long", draft("word ".repeat(2_500)), "BODY_LENGTH", "BLOCK"],
  ["body very short", draft("Call me?"), "BODY_LENGTH", "WARN"],
  // PII and secrets.
  ["Visa number (Luhn)", draft("Please charge the card 4111 1111 1111 1111 for the annual plan as discussed."), "PII_CARD_NUMBER", "BLOCK"],
  ["Mastercard with dashes", draft("Card on file: 5555-5555-5555-4444, expiry next year, for the renewal."), "PII_CARD_NUMBER", "BLOCK"],
  ["16 digits failing Luhn", draft("Your order tracking number is 4111 1111 1111 1112 for the shipment."), "PII_CARD_NUMBER", null],
  ["US SSN", draft("For the background check, her SSN is 123-45-6789 as given on the form."), "PII_NATIONAL_ID", "BLOCK"],
  ["invalid SSN area 000", draft("Reference code 000-12-3456 is the ticket for your support request."), "PII_NATIONAL_ID", null],
  ["UK NI number", draft("Payroll needs the NI number AB 12 34 56 C to set up the contractor account."), "PII_NATIONAL_ID", "BLOCK"],
  ["IBAN (grouped)", draft("Please transfer to DE89 3704 0044 0532 0130 00 by the end of the month, thanks."), "PII_IBAN", "BLOCK"],
  ["IBAN (compact)", draft("Our bank details: GB82WEST12345698765432 — reference the invoice number please."), "PII_IBAN", "BLOCK"],
  ["IBAN-shaped with a bad checksum", draft("Please transfer to DE00 3704 0044 0532 0130 00 by the end of the month, thanks."), "PII_IBAN", null],
  ["AWS key", draft("The integration uses AKIAIOSFODNN7EXAMPLE with the usual bucket settings for your team."), "SECRET", "BLOCK"],
  ["GitHub token", draft("Use ghp_abcdefghijklmnopqrstuvwxyz0123456789 to pull the repository for the pilot."), "SECRET", "BLOCK"],
  ["private key", draft("Here is the key for the SFTP drop:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n"), "SECRET", "BLOCK"],
  ["password assignment", draft("Login details for the sandbox: user demo, password: Winter2024!Secure for the whole team."), "SECRET", "BLOCK"],
  // Links.
  ["link to an unknown domain", draft("Hi Ana, here is the deck: https://bit.ly/3xYz12 — let me know what you think."), "LINK_NOT_ALLOWED", "BLOCK"],
  ["link in HTML href", draft("Hi Ana, here is the deck as promised, let me know what you think.", { bodyHtml: '<p>Here is <a href="https://evil.example/deck">the deck</a>.</p>' }), "LINK_NOT_ALLOWED", "BLOCK"],
  ["own subdomain allowed", draft("Hi Ana, the docs are at https://docs.acme.example/start for your team."), "LINK_NOT_ALLOWED", null],
  ["tenant-allowed domain", draft("Hi Ana, the recording is at https://www.youtube.com/watch?v=abc for your team."), "LINK_NOT_ALLOWED", null, { settings: qualitySettingsSchema.parse({ allowedLinkDomains: ["youtube.com"] }) }],
  ["look-alike domain refused", draft("Hi Ana, the docs are at https://acme.example.evil.example/start for your team."), "LINK_NOT_ALLOWED", "BLOCK"],
  // Marketing compliance.
  ["marketing without postal address", draft("Our spring webinar covers pipeline hygiene for growing sales teams.", { category: "MARKETING" }), "POSTAL_ADDRESS_MISSING", "BLOCK"],
  ["marketing without a public URL for unsubscribe", draft("Our spring webinar covers pipeline hygiene for growing sales teams.", { category: "MARKETING" }), "UNSUBSCRIBE_MISSING", "BLOCK", { unsubscribeHost: null, postalAddress: "Acme Inc, 500 Market St, San Francisco, CA 94105" }],
  ["compliant marketing", draft("Our spring webinar covers pipeline hygiene for growing sales teams.", { category: "MARKETING" }), "POSTAL_ADDRESS_MISSING", null, { postalAddress: "Acme Inc, 500 Market St, San Francisco, CA 94105" }],
];

describe("quality gate checks", () => {
  it.each(CASES)("%s", (_name, content, check, severity, ctx) => {
    const report = runQualityGate(content, { ...context, ...ctx });
    const found = report.findings.filter((f) => f.check === check);
    if (severity === null) {
      expect(found).toEqual([]);
    } else {
      expect(found.length).toBeGreaterThan(0);
      expect(found.map((f) => f.severity)).toContain(severity);
      for (const f of found) expect(f.message.length).toBeGreaterThan(10);
      expect(report.verdict).toBe(report.findings.some((f) => f.severity === "BLOCK") ? "BLOCK" : "WARN");
    }
  });

  it("never quotes the sensitive value back in a finding", () => {
    const report = runQualityGate(draft("Card 4111 1111 1111 1111, SSN 123-45-6789, key AKIAIOSFODNN7EXAMPLE, IBAN GB82WEST12345698765432."), context);
    const text = JSON.stringify(report);
    for (const secret of ["4111 1111 1111 1111", "4111111111111111", "123-45-6789", "AKIAIOSFODNN7EXAMPLE", "GB82WEST12345698765432"]) expect(text).not.toContain(secret);
    expect(report.findings.map((f) => f.check).sort()).toEqual(["PII_CARD_NUMBER", "PII_IBAN", "PII_NATIONAL_ID", "SECRET"]);
  });

  it("checks the HTML part's visible text too", () => {
    const report = runQualityGate(draft("Hi Ana, a note about onboarding for your team this quarter.", { bodyHtml: "<p>Hi {{first_name}},</p>" }), context);
    expect(report.findings).toContainEqual(expect.objectContaining({ check: "UNRESOLVED_PLACEHOLDER", location: "html" }));
  });
});

describe("helpers", () => {
  it("Luhn", () => {
    expect(passesLuhn("4111111111111111")).toBe(true);
    expect(passesLuhn("378282246310005")).toBe(true);
    expect(passesLuhn("4111111111111112")).toBe(false);
  });
  it("IBAN mod-97", () => {
    expect(isValidIban("DE89 3704 0044 0532 0130 00")).toBe(true);
    expect(isValidIban("FR1420041010050500013M02606")).toBe(true);
    expect(isValidIban("DE89370400440532013001")).toBe(false);
  });
  it("placeholders", () => {
    expect(findPlaceholders("Hi {{ first_name }} at [COMPANY NAME] and *|FNAME|*").sort()).toEqual(["*|FNAME|*", "[COMPANY NAME]", "{{ first_name }}"]);
    expect(findPlaceholders("See [1] and [Update] and [docs](https://x.example)")).toEqual([]);
  });
});
