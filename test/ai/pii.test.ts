import { describe, expect, it } from "vitest";
import { createPiiRedactor } from "../../src/ai/pii.js";

describe("PII redaction for external calls", () => {
  const text = [
    "Hi Maria,",
    "call me on +49 30 1234 5678 or (415) 555-0199, or write to maria.keller@lumatech.io.",
    "Card 4111 1111 1111 1111 (not 4111 1111 1111 1112), IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789.",
    "Ship to 221 Baker Street or Hauptstraße 5. MRN: A1234567.",
    "The meeting is on 2025-03-04 at 10:30 for 40 seats, version 1.2.3.",
    "",
    "Best regards,",
    "John Smith",
  ].join("\n");

  it("replaces personal data with stable placeholders and keeps ordinary numbers", () => {
    const r = createPiiRedactor(["Maria Keller"]);
    const out = r.apply(text);
    for (const secret of ["Maria", "5678", "555-0199", "maria.keller", "4111 1111 1111 1111", "DE89", "123-45-6789", "Baker Street", "Hauptstraße", "A1234567", "John Smith"]) {
      expect(out).not.toContain(secret);
    }
    // Not a valid card number (Luhn), dates, times, counts and versions stay.
    for (const kept of ["2025-03-04", "10:30", "40 seats", "1.2.3"]) expect(out).toContain(kept);
    expect(out).toMatch(/\[EMAIL_1\]/);
    expect(out).toMatch(/\[CARD_1\]/);
    expect(r.counts()).toMatchObject({ EMAIL: 1, CARD: 1, IBAN: 1, SSN: 1, ID: 1, ADDRESS: 2 });
    expect(r.counts().PHONE).toBeGreaterThanOrEqual(2);
    // Same value → same placeholder.
    expect(r.apply("again: maria.keller@lumatech.io")).toBe("again: [EMAIL_1]");
  });

  it("restores the originals in a model's answer, deeply", () => {
    const r = createPiiRedactor(["Maria Keller"]);
    const out = r.apply("Hi Maria, your address maria.keller@lumatech.io");
    const person = /\[PERSON_\d+\]/.exec(out)![0];
    expect(r.restore({ reply: `Dear ${person}, I will write to [EMAIL_1].`, list: [person], n: 3 })).toEqual({
      reply: "Dear Maria, I will write to maria.keller@lumatech.io.",
      list: ["Maria"],
      n: 3,
    });
    expect(r.restore("unknown [PERSON_99] stays")).toBe("unknown [PERSON_99] stays");
  });
});
