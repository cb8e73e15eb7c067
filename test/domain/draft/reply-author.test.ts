// The rule for who answers mail of a connected mailbox and from which address (domain/draft/reply-author.ts).
import { describe, expect, it } from "vitest";
import { replyAuthorCandidates, replySendsFrom } from "../../../src/domain/draft/reply-author.js";

const personal = { accountEmail: "oscar@gmail.example", userId: "u-oscar", connectedById: "u-oscar" };
const shared = { accountEmail: "sales@seller.example", userId: null, connectedById: "u-admin" };

describe("reply author", () => {
  it("a member's own mailbox: its owner, whoever owns the contact", () => {
    expect(replyAuthorCandidates(personal, { userId: "u-mara", hasCalendar: true })).toEqual(["u-oscar"]);
    expect(replySendsFrom(personal, "u-oscar")).toBe("oscar@gmail.example");
  });

  it("the shared mailbox: the contact's owner with a calendar, else who connected it; sent from the shared mailbox", () => {
    expect(replyAuthorCandidates(shared, { userId: "u-mara", hasCalendar: true })).toEqual(["u-mara", "u-admin"]);
    expect(replyAuthorCandidates(shared, { userId: "u-mara", hasCalendar: false })).toEqual(["u-admin"]);
    expect(replyAuthorCandidates(shared, { userId: null, hasCalendar: false })).toEqual(["u-admin"]);
    expect(replyAuthorCandidates({ ...shared, connectedById: null }, { userId: null, hasCalendar: false })).toEqual([]);
    expect(replySendsFrom(shared, "u-mara")).toBe("sales@seller.example");
  });

  it("someone else writing (a person accepting a recommendation) never sends from another member's mailbox", () => {
    expect(replySendsFrom(personal, "u-mara")).toBeNull();
    expect(replySendsFrom(personal, null)).toBeNull();
  });
});
