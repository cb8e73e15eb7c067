// Every raw message in ../shared/data/inbound-email/ through the real parser
// and the deterministic rules: the right intent and action, the exact
// addresses to suppress, return dates, and never a reply to automated mail.
// The same behaviours on the project's own fixtures (test/fixtures/inbound-email/),
// which every clone has; the shared corpus is skipped, saying why, when absent.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { INBOUND_EMAIL_LABELS } from "../../bench/data/inbound-email-labels.js";
import { returnDate } from "../../src/ai/dates.js";
import { emailFromFields, parseRawEmail } from "../../src/ai/email.js";
import { automationSignals, classifyByRules, relayedBounceDetails, unsubscribeRequest } from "../../src/domain/inbound/inbound-email.js";
import { stripQuoted } from "../../src/domain/draft/voice.js";
import { fixturePath, sharedData, sharedDataPath, withSharedData } from "../helpers/shared-data.js";

const fixture = (file: string) => parseRawEmail(readFileSync(fixturePath("inbound-email", file)));

describe("the project's own raw messages (every clone)", () => {
  it("a DSN (RFC 3464) for an unknown user is a hard bounce that suppresses the failed recipient", async () => {
    const email = await fixture("dsn-hard-recipient-unknown.eml");
    const { verdict, automation } = classifyByRules(email, stripQuoted(email.text));
    expect(automation.automated).toBe(true);
    expect(verdict).toMatchObject({ kind: "BOUNCE", intent: "BOUNCE", action: "SUPPRESS", suppress: ["no.such.person@fixture-buyer.example"] });
    expect(verdict!.bounce).toMatchObject({ category: "RECIPIENT", hard: true, status: "5.1.1", action: "failed", format: "DSN", recipients: ["no.such.person@fixture-buyer.example"] });
    expect(verdict!.bounce!.diagnostic).toMatch(/User unknown/);
  });

  it("a delayed DSN for a full mailbox is soft: try later, suppress nothing", async () => {
    const { verdict } = classifyByRules(await fixture("dsn-delayed-mailbox-full.eml"));
    expect(verdict).toMatchObject({ kind: "BOUNCE", action: "SCHEDULE_FOLLOW_UP", suppress: [] });
    expect(verdict!.bounce).toMatchObject({ category: "MAILBOX_FULL", hard: false, status: "4.2.2", action: "delayed", recipients: ["busy.buyer@fixture-buyer.example"] });
  });

  it("an ARF (RFC 5965) abuse report suppresses the complaining recipient, not the reporting ISP", async () => {
    const email = await fixture("arf-abuse.eml");
    const { verdict } = classifyByRules(email, stripQuoted(email.text));
    expect(verdict).toMatchObject({ kind: "COMPLAINT", intent: "UNSUBSCRIBE", action: "SUPPRESS", feedbackType: "abuse", suppress: ["annoyed.reader@fixture-mailbox.example"] });
  });

  it("an ARF opt-out names the address to remove in Removal-Recipient", async () => {
    const { verdict } = classifyByRules(await fixture("arf-opt-out.eml"));
    expect(verdict).toMatchObject({ kind: "COMPLAINT", intent: "UNSUBSCRIBE", action: "SUPPRESS", feedbackType: "opt-out" });
    expect(verdict!.suppress).toContain("quiet.reader@fixture-mailbox.example");
  });

  it("an out-of-office auto-reply (RFC 3834) is never answered and gives the return date", async () => {
    const email = await fixture("auto-reply-out-of-office.eml");
    const { verdict, automation } = classifyByRules(email, stripQuoted(email.text));
    expect(automation.signals.join(" ")).toMatch(/Auto-Submitted: auto-replied/);
    expect(verdict).toMatchObject({ kind: "AUTO_REPLY", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", suppress: [] });
    expect(returnDate(email, stripQuoted(email.text))).toBe("2025-03-31");
  });

  it("an auto-reply saying the mailbox is gone suppresses the address it names", async () => {
    const { verdict } = classifyByRules(await fixture("auto-reply-mailbox-gone.eml"));
    expect(verdict).toMatchObject({ kind: "AUTO_REPLY", intent: "BOUNCE", action: "SUPPRESS", suppress: ["olaf.berg@fixture-buyer.example"] });
  });

  it("a ticket acknowledgement is automated, archived and never answered", async () => {
    const { verdict } = classifyByRules(await fixture("auto-reply-ticket.eml"));
    expect(verdict).toMatchObject({ kind: "AUTO_REPLY", intent: "OTHER", action: "ARCHIVE", suppress: [] });
  });

  it("a person's reply gets no rule verdict (it goes to the model)", async () => {
    const email = await fixture("human-reply.eml");
    const { verdict, automation } = classifyByRules(email, stripQuoted(email.text));
    expect(automation.automated).toBe(false);
    expect(verdict).toBeNull();
  });
});

describe.skipIf(!sharedData.dir)(withSharedData("the inbound corpus"), () => {
  const DIR = sharedData.dir ? sharedDataPath("inbound-email") : "";

  it("has a label for every message file", () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith(".eml")).sort();
    expect(files).toHaveLength(37);
    expect(INBOUND_EMAIL_LABELS.map((l) => l.file).sort()).toEqual(files);
  });

  it.each(INBOUND_EMAIL_LABELS)("$file → $intent / $action", async (label) => {
    const email = await parseRawEmail(readFileSync(path.join(DIR, label.file)));
    const { verdict, automation } = classifyByRules(email, stripQuoted(email.text));
    expect(verdict, "every corpus message is decided by rules, without a model").not.toBeNull();
    expect(verdict!.intent).toBe(label.intent);
    expect(verdict!.action).toBe(label.action);
    expect([...verdict!.suppress].sort()).toEqual([...label.suppress].sort());
    // Automated mail is recognised as such (and so is never answered).
    expect(automation.automated || verdict!.kind === "COMPLAINT" || verdict!.kind === "BOUNCE").toBe(true);
    if (label.intent === "BOUNCE" && label.file.startsWith("lhost-")) {
      expect(verdict!.bounce!.recipients.length, "the failed recipient is found").toBeGreaterThan(0);
      expect(verdict!.bounce!.hard).toBe(label.action === "SUPPRESS");
    }
    if (label.returnDate !== undefined) expect(returnDate(email, stripQuoted(email.text))).toBe(label.returnDate);
  });

  it("reads DSN fields: status, action and diagnostic of a 5.1.1", async () => {
    const email = await parseRawEmail(readFileSync(path.join(DIR, "lhost-postfix-14.eml")));
    const { verdict } = classifyByRules(email);
    expect(verdict!.bounce).toMatchObject({ category: "RECIPIENT", hard: true, status: "5.1.1", action: "failed", format: "DSN", recipients: ["kijitora@2jo.example.jp"] });
    expect(verdict!.bounce!.diagnostic).toMatch(/unknown user/);
  });

  it("reads the ARF feedback type", async () => {
    const optOut = classifyByRules(await parseRawEmail(readFileSync(path.join(DIR, "arf-12.eml")))).verdict!;
    expect(optOut.feedbackType).toBe("opt-out");
    const abuse = classifyByRules(await parseRawEmail(readFileSync(path.join(DIR, "arf-02.eml")))).verdict!;
    expect(abuse.feedbackType).toBe("abuse");
  });

  it("decodes encoded-word subjects (Russian bounce)", async () => {
    const email = await parseRawEmail(readFileSync(path.join(DIR, "lhost-mailru-01.eml")));
    expect(email.subject).toMatch(/не доставлено/);
  });
});

describe("rules on messages given as fields", () => {
  it("a human reply with no automation headers goes to the model (no verdict)", () => {
    const email = emailFromFields({ from: "maria@lumatech.io", subject: "Re: onboarding", text: "Sounds interesting, tell me more." });
    expect(classifyByRules(email).verdict).toBeNull();
    expect(automationSignals(email).automated).toBe(false);
  });

  it.each([
    ["Auto-Submitted", { "Auto-Submitted": "auto-replied" }],
    ["X-Autoreply", { "X-Autoreply": "yes" }],
    ["Precedence: auto_reply", { Precedence: "auto_reply" }],
    ["X-Auto-Response-Suppress", { "X-Auto-Response-Suppress": "All" }],
  ])("an auto-reply marked by %s is never answered", (_name, headers) => {
    const email = emailFromFields({ from: "maria@lumatech.io", subject: "Re: onboarding", text: "I am away until Monday.", headers });
    const { verdict } = classifyByRules(email);
    expect(verdict).toMatchObject({ kind: "AUTO_REPLY", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP" });
  });

  it("Auto-Submitted: no is a person", () => {
    const email = emailFromFields({ from: "a@b.io", subject: "hello", text: "Tell me more.", headers: { "Auto-Submitted": "no" } });
    expect(classifyByRules(email).verdict).toBeNull();
  });

  it("an unsubscribe request in a person's words suppresses the sender with certainty", () => {
    const email = emailFromFields({ from: "Ken.W@CascadeOutdoors.com", subject: "Re: Following up", text: "Take me off your list.\n\nOn Mon, Tom wrote:\n> hi" });
    const { verdict } = classifyByRules(email, stripQuoted(email.text));
    expect(verdict).toMatchObject({ intent: "UNSUBSCRIBE", action: "SUPPRESS", suppress: ["ken.w@cascadeoutdoors.com"] });
  });

  it("an unsubscribe link in quoted history (our own footer) is not a request", () => {
    const text = "Thanks, sounds good.\n\nOn Mon, 3 Mar 2025, Tom wrote:\n> To unsubscribe from these emails click here.";
    const email = emailFromFields({ from: "a@b.io", subject: "Re: x", text });
    expect(classifyByRules(email, stripQuoted(text)).verdict).toBeNull();
  });

  it.each([
    "Please remove me from your mailing list.",
    "unsubscribe",
    "STOP",
    "Stop emailing me.",
    "Don't email me again",
    "Please opt me out",
    "I want to opt-out of this",
    "Take my address off your database under GDPR.",
    "Bitte nehmen Sie mich aus Ihrem Verteiler.",
    "Merci de ne plus m'envoyer d'e-mails.",
    "Por favor, darme de baja.",
    "Kindly stop sending me these messages.",
    "No further contact please.",
    "Please don't send me any more of these.",
    "I'd rather not receive further emails from your company.",
    "Veuillez me retirer de votre liste de diffusion.",
    "How do I get off this list?",
    "Ich möchte keine weiteren Nachrichten von Ihnen bekommen.",
    // Constructions added for the intent work.
    "Leave me alone, please.",
    "Cease all contact.",
    "Please put me on your do-not-contact list.",
    "Enough with the follow-ups.",
    "Please stop the automated follow-ups.",
    "I want out of your mailing list.",
    "Delete my contact details and confirm.",
    "Don't reach out again.",
    "Get my email address out of your CRM.",
    "Unlist us please.",
    "Bitte kontaktieren Sie mich nicht mehr.",
    "Hören Sie bitte auf, mir zu schreiben.",
    "Keine Werbung mehr bitte.",
    "Unterlassen Sie künftig Werbung per E-Mail.",
    "Ne m'écrivez plus.",
    "Je ne souhaite plus recevoir vos emails.",
    "Arrêtez de m'envoyer des messages.",
    "Merci de cesser vos envois.",
    "Désabonnez-moi s'il vous plaît.",
    "Dejen de escribirme, por favor.",
    "No deseamos seguir recibiendo correos.",
    "Por favor, elimínenme de su lista.",
    "Non voglio più ricevere email da voi.",
    "Smettete di scrivermi.",
  ])("recognises %j as an unsubscribe request", (text) => {
    expect(unsubscribeRequest("", text)).not.toBeNull();
  });

  it.each([
    "Stop by our booth at the fair!",
    "Can you remove the second paragraph from the proposal?",
    "We subscribe to your newsletter.",
    "Never mind, I'll get back to you next week.",
    "Don't hesitate to send me the contract.",
    "Please send me more information.",
    "We don't want to receive the hardware before March.",
    "Take me through the numbers again, please.",
    "Remove the old logo from the slides.",
    "Le prix n'est plus un problème pour nous.",
    "No queremos perder el pedido.",
    "I've read enough emails about it, show me the product.",
    "Estoy de baja por enfermedad hasta el lunes.",
  ])(
    "does not read %j as an unsubscribe request",
    (text) => {
      expect(unsubscribeRequest("", text)).toBeNull();
    },
  );
});

describe("a bounce relayed by another server (read by the model, not the rules)", () => {
  const relayed = (body: string[]) =>
    parseRawEmail(
      [
        "From: Gateway <gateway@relay.example>",
        "To: sales@ours.example",
        "Reply-To: helpdesk@relay.example",
        "Subject: Fwd: message not delivered",
        "Message-ID: <r1@relay.example>",
        "",
        ...body,
      ].join("\r\n"),
    );
  it("takes the failed recipient from a pasted DSN, never the relay or a Message-ID", async () => {
    const email = await relayed([
      "Our gateway passed this on; contact helpdesk@relay.example with questions.",
      "Original Message-ID: <draft-0190c3a0-0000-7000-8000-000000000001@ours.example>",
      "",
      "Final-Recipient: rfc822; Max@Gone.example",
      "Action: failed",
      "Status: 5.1.1",
      "Diagnostic-Code: smtp; 550 5.1.1 User unknown",
    ]);
    expect(relayedBounceDetails(email)).toMatchObject({ recipients: ["max@gone.example"], hard: true, status: "5.1.1", format: "DSN" });
  });
  it("else the quoted original's To and the addresses the notice names, without the relay's own", async () => {
    const email = await relayed([
      "Your message couldn't be delivered: 550 5.1.1 mailbox unavailable.",
      "Message-ID: <draft-0190c3a0-0000-7000-8000-000000000002@ours.example>",
      "",
      "----- Original message -----",
      "From: sales@ours.example",
      "To: ria@gone.example",
      "Subject: Onboarding",
    ]);
    const details = relayedBounceDetails(email);
    expect(details.recipients).toEqual(["ria@gone.example"]);
    expect(details).toMatchObject({ hard: true, format: "TEXT" });
  });
});
