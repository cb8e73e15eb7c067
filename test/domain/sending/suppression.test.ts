// Why a recipient must not be mailed, in the words the send path cancels a draft with.
import { describe, expect, it } from "vitest";
import { recipientSuppressionReason } from "../../../src/domain/sending/suppression.js";

describe("recipientSuppressionReason", () => {
  it("names a suppressed domain, and the reason of an address entry (hashed ones included)", () => {
    expect(recipientSuppressionReason({ kind: "DOMAIN", value: "client.example", reason: "MANUAL" }, false)).toBe("The recipient's domain client.example is on the suppression list (MANUAL).");
    expect(recipientSuppressionReason({ kind: "EMAIL", value: "ana@client.example", reason: "UNSUBSCRIBED" }, false)).toBe("The recipient is on the suppression list (UNSUBSCRIBED).");
    expect(recipientSuppressionReason({ kind: "EMAIL_HASH", value: "abc", reason: "ERASED" }, false)).toBe("The recipient is on the suppression list (ERASED).");
  });

  it("prefers the suppression entry over the do-not-contact flag, and is null when neither holds", () => {
    expect(recipientSuppressionReason({ kind: "EMAIL", value: "ana@client.example", reason: "BOUNCED" }, true)).toBe("The recipient is on the suppression list (BOUNCED).");
    expect(recipientSuppressionReason(null, true)).toBe("The contact is marked do-not-contact.");
    expect(recipientSuppressionReason(null, false)).toBeNull();
  });
});
