// The per-mailbox transport rule (src/domain/sending/mail-route.ts) and its setting.
import { describe, expect, it } from "vitest";
import { chooseMailRoute, type MailboxConnection } from "../../../src/domain/sending/mail-route.js";
import { sendingSettingsSchema } from "../../../src/domain/sending/sending.js";

const SEND = ["openid", "email", "https://www.googleapis.com/auth/gmail.send", "https://www.googleapis.com/auth/gmail.readonly"];
const conn = (over: Partial<MailboxConnection> = {}): MailboxConnection => ({ id: "c1", status: "ACTIVE", scopes: SEND, userId: "u1", ...over });
const M = "rep@seller.example";

describe("chooseMailRoute", () => {
  it("AUTO: Gmail through an ACTIVE connection with a send scope; the global transport without one", () => {
    expect(chooseMailRoute(M, "AUTO", [conn()])).toMatchObject({ kind: "gmail", connectionId: "c1" });
    expect(chooseMailRoute(M, "AUTO", [])).toMatchObject({ kind: "default" });
    // A calendar-only connection for the address does not bind the mailbox to Gmail.
    expect(chooseMailRoute(M, "AUTO", [conn({ scopes: ["https://www.googleapis.com/auth/calendar.freebusy"] })])).toMatchObject({ kind: "default" });
  });

  it("prefers an ACTIVE connection, and the tenant's shared one over a member's own", () => {
    expect(chooseMailRoute(M, "AUTO", [conn({ id: "old", status: "NEEDS_REAUTH" }), conn({ id: "new" })])).toMatchObject({ kind: "gmail", connectionId: "new" });
    expect(chooseMailRoute(M, "AUTO", [conn({ id: "own" }), conn({ id: "shared", userId: null })])).toMatchObject({ kind: "gmail", connectionId: "shared" });
  });

  it("never falls back silently: NEEDS_REAUTH, REVOKED and ERROR are refused with a code and what to do", () => {
    for (const [status, code] of [["NEEDS_REAUTH", "GMAIL_NEEDS_REAUTH"], ["REVOKED", "GMAIL_REVOKED"], ["ERROR", "GMAIL_CONNECTION_ERROR"]] as const) {
      const route = chooseMailRoute(M, "AUTO", [conn({ status })]);
      expect(route).toMatchObject({ kind: "refused", code });
      expect(route.kind === "refused" && route.reason).toMatch(/not sent through any other transport.*"DEFAULT"/);
    }
  });

  it("GMAIL without a connection is refused; DEFAULT ignores connections", () => {
    expect(chooseMailRoute(M, "GMAIL", [])).toMatchObject({ kind: "refused", code: "GMAIL_NOT_CONNECTED" });
    expect(chooseMailRoute(M, "GMAIL", [conn()])).toMatchObject({ kind: "gmail" });
    expect(chooseMailRoute(M, "DEFAULT", [conn()])).toMatchObject({ kind: "default" });
    expect(chooseMailRoute(M, "DEFAULT", [conn({ status: "NEEDS_REAUTH" })])).toMatchObject({ kind: "default" });
  });

  it("send without read is refused: the exactly-once check needs search", () => {
    expect(chooseMailRoute(M, "AUTO", [conn({ scopes: ["https://www.googleapis.com/auth/gmail.send"] })])).toMatchObject({ kind: "refused", code: "GMAIL_SCOPE_MISSING" });
    expect(chooseMailRoute(M, "AUTO", [conn({ scopes: ["https://www.googleapis.com/auth/gmail.modify"] })])).toMatchObject({ kind: "gmail" });
  });
});

describe("sending.mailboxTransports", () => {
  it("defaults to empty (AUTO everywhere), lower-cases addresses and refuses unknown choices", () => {
    expect(sendingSettingsSchema.parse({}).mailboxTransports).toEqual({});
    expect(sendingSettingsSchema.parse({ mailboxTransports: { " Rep@Seller.Example ": "GMAIL" } }).mailboxTransports).toEqual({ [M]: "GMAIL" });
    expect(sendingSettingsSchema.safeParse({ mailboxTransports: { [M]: "SMTP" } }).success).toBe(false);
    expect(sendingSettingsSchema.safeParse({ mailboxTransports: { "not an address": "GMAIL" } }).success).toBe(false);
  });
});
