// The Gmail adapter (src/integrations/google/gmail.ts) with the real
// @googleapis/gmail SDK against the wire-level fake (test/fakes/google):
// list/get/history (and Google's 404 for a too-old history id), send with
// the draft's fixed Message-ID in the original thread, the rfc822msgid:
// crash check, typed errors (429 with Retry-After honoured by the
// resilience policy, 401 → REAUTH) and tokens issued by the OAuth fake.
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { googleOAuth } from "../../../src/integrations/oauth.js";
import { GoogleApiError, HistoryExpiredError } from "../../../src/integrations/google/errors.js";
import { createMailboxClient, replyHeaders, type MailboxClient } from "../../../src/integrations/google/gmail.js";
import { createResilience } from "../../../src/integrations/resilience.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";

const REP = "rep@seller.example";
let google: FakeGoogle;
let client: MailboxClient;

function authFor(token: string): OAuth2Client {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return auth;
}

function rawMessage(input: { from: string; to: string; subject: string; messageId: string; extra?: string[]; body?: string }): string {
  return [
    `From: ${input.from}`,
    `To: ${input.to}`,
    `Subject: ${input.subject}`,
    `Message-ID: ${input.messageId}`,
    ...(input.extra ?? []),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    input.body ?? "Hello there.",
    "",
  ].join("\r\n");
}

beforeAll(async () => {
  google = await startFakeGoogle();
  google.addToken("tok-rep", REP);
  client = createMailboxClient({ auth: authFor("tok-rep"), rootUrl: google.rootUrl });
});

afterAll(async () => {
  await google.close();
});

beforeEach(() => {
  google.gmail.mailboxes.clear();
  google.gmail.sent.length = 0;
});

describe("list, get, history", () => {
  it("pages through a mailbox newest first and reads each message raw", async () => {
    const seeded = google.gmail.seedMailbox(REP, 7, { from: "buyer@customer.example" });
    const profile = await client.profile();
    expect(profile).toMatchObject({ emailAddress: REP, messagesTotal: 7 });

    const first = await client.listMessages({ maxResults: 3 });
    expect(first.messages).toHaveLength(3);
    expect(first.nextPageToken).toBeTruthy();
    const ids = [...first.messages.map((m) => m.id)];
    let token = first.nextPageToken;
    while (token) {
      const page = await client.listMessages({ maxResults: 3, pageToken: token });
      ids.push(...page.messages.map((m) => m.id));
      token = page.nextPageToken;
    }
    expect(ids).toEqual(seeded.map((m) => m.id).reverse());

    const message = await client.getMessage(seeded[0]!.id);
    expect(message.raw).toBe(seeded[0]!.raw);
    expect(message.raw).toContain("Subject: Question 1");
    expect(message.internalDate?.getTime()).toBe(seeded[0]!.internalDate);
    expect(message.labelIds).toContain("INBOX");

    const meta = await client.getMetadata(seeded[1]!.id, ["Subject", "From"]);
    expect(meta.headers).toEqual({ From: "buyer@customer.example", Subject: "Question 2" });
  });

  it("filters by q and labelIds", async () => {
    google.gmail.seedMailbox(REP, 3, { subjectPrefix: "Pricing" });
    google.gmail.seedMailbox(REP, 2, { subjectPrefix: "Other", labelIds: ["SENT"] });
    expect((await client.listMessages({ q: "subject:pricing" })).messages).toHaveLength(3);
    expect((await client.listMessages({ labelIds: ["SENT"] })).messages).toHaveLength(2);
    expect((await client.listMessages({ q: "newer_than:1d" })).messages).toHaveLength(5);
    expect(await client.listMessages({ q: "subject:nothing-like-this" })).toEqual({ messages: [], nextPageToken: null, resultSizeEstimate: 0 });
  });

  it("lists what arrived since a history id, and says so when the id is too old", async () => {
    google.gmail.seedMailbox(REP, 2);
    const { historyId } = await client.profile();
    const later = google.gmail.seedMailbox(REP, 3);
    const page = await client.history({ startHistoryId: historyId! });
    expect(page.added.map((m) => m.id)).toEqual(later.map((m) => m.id));
    expect(page.historyId).toBe(String(google.gmail.mailbox(REP).historyId));
    expect((await client.history({ startHistoryId: page.historyId! })).added).toEqual([]);

    google.gmail.expireHistory(REP);
    const error = await client.history({ startHistoryId: historyId! }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryExpiredError);
    expect((error as HistoryExpiredError).startHistoryId).toBe(historyId);
    // The current id still works after the expiry.
    const fresh = await client.profile();
    expect((await client.history({ startHistoryId: fresh.historyId! })).added).toEqual([]);
  });
});

describe("send", () => {
  it("sends the raw message with its Message-ID, and the crash check finds it", async () => {
    const raw = rawMessage({ from: REP, to: "buyer@customer.example", subject: "Intro", messageId: "<draft-1@seller.example>" });
    expect(await client.findSentByMessageId("<draft-1@seller.example>")).toBeNull();
    const sent = await client.send({ raw });
    expect(sent.labelIds).toEqual(["SENT"]);
    expect(google.gmail.sendCount(REP)).toBe(1);
    expect(google.gmail.sent[0]!.raw).toBe(raw);
    expect(google.gmail.sent[0]!.messageId).toBe("<draft-1@seller.example>");
    expect(await client.findSentByMessageId("<draft-1@seller.example>")).toEqual({ id: sent.id, threadId: sent.threadId });
    expect(await client.findSentByMessageId("draft-1@seller.example")).toEqual({ id: sent.id, threadId: sent.threadId });
    // A received message with that id is not "sent".
    google.gmail.deliver(REP, { raw: rawMessage({ from: "x@customer.example", to: REP, subject: "x", messageId: "<in-1@customer.example>" }) });
    expect(await client.findSentByMessageId("<in-1@customer.example>")).toBeNull();
    expect(await client.findByMessageId("<in-1@customer.example>")).not.toBeNull();
  });

  it("replies in the original thread with In-Reply-To and References", async () => {
    const inbound = google.gmail.deliver(REP, {
      raw: rawMessage({ from: "buyer@customer.example", to: REP, subject: "Re: Intro", messageId: "<reply-1@customer.example>", extra: ["References: <draft-0@seller.example>"] }),
    });
    const parent = await client.getMetadata(inbound.id, ["Message-ID", "References"]);
    const headers = replyHeaders({ messageId: parent.headers["Message-ID"]!, references: parent.headers.References });
    expect(headers).toEqual({ "In-Reply-To": "<reply-1@customer.example>", References: "<draft-0@seller.example> <reply-1@customer.example>" });
    const raw = rawMessage({
      from: REP,
      to: "buyer@customer.example",
      subject: "Re: Intro",
      messageId: "<draft-2@seller.example>",
      extra: [`In-Reply-To: ${headers["In-Reply-To"]}`, `References: ${headers.References}`],
    });
    const sent = await client.send({ raw, threadId: parent.threadId });
    expect(sent.threadId).toBe(inbound.threadId);
    const received = google.gmail.sent.at(-1)!;
    expect(received.threadId).toBe(inbound.threadId);
    expect(received.raw).toContain("In-Reply-To: <reply-1@customer.example>");
    expect(received.raw).toContain("References: <draft-0@seller.example> <reply-1@customer.example>");
  });

  it("refuses a message without a Message-ID (the crash check could not find it)", async () => {
    const raw = "From: rep@seller.example\r\nTo: b@customer.example\r\nSubject: x\r\n\r\nbody\r\n";
    await expect(client.send({ raw })).rejects.toThrow(/Message-ID/);
    expect(google.gmail.sendCount()).toBe(0);
  });

  it("an unknown threadId is Google's 404, typed", async () => {
    const raw = rawMessage({ from: REP, to: "b@customer.example", subject: "x", messageId: "<d3@seller.example>" });
    const error = await client.send({ raw, threadId: "nope" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoogleApiError);
    expect(error).toMatchObject({ status: 404, kind: "NOT_FOUND", reason: "notFound" });
  });
});

describe("errors and the resilience policy", () => {
  it("429 carries Retry-After; the policy waits that long and the second try succeeds (no SDK retry)", async () => {
    google.gmail.seedMailbox(REP, 1);
    google.failNext({ status: 429, retryAfter: 1, path: /\/profile$/ });
    const direct = await client.profile().catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(GoogleApiError);
    expect(direct).toMatchObject({ status: 429, kind: "RATE_LIMITED", retryAfterMs: 1000, reason: "rateLimitExceeded" });
    expect((direct as GoogleApiError).response.headers["retry-after"]).toBe("1");

    const resilience = createResilience({ timeoutMs: 5_000, maxRetries: 2, retryBaseMs: 10, maxRetryDelayMs: 5_000, breakerThreshold: 5, halfOpenAfterMs: 1_000, ratePerSecond: {} });
    try {
      const before = google.requests["GET /gmail/v1/users/me/profile"] ?? 0;
      google.failNext({ status: 429, retryAfter: 1, path: /\/profile$/ });
      const started = Date.now();
      const profile = await resilience.execute("t1", "GOOGLE", (signal) => createMailboxClient({ auth: authFor("tok-rep"), rootUrl: google.rootUrl, signal }).profile());
      expect(profile.emailAddress).toBe(REP);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(google.requests["GET /gmail/v1/users/me/profile"]! - before).toBe(2);
    } finally {
      await resilience.close();
    }
  });

  it("503 is transient; an unknown token is 401 → REAUTH", async () => {
    google.failNext({ status: 503 });
    await expect(client.listMessages()).rejects.toMatchObject({ status: 503, kind: "TRANSIENT" });
    const stranger = createMailboxClient({ auth: authFor("not-a-token"), rootUrl: google.rootUrl });
    const error = await stranger.profile().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, kind: "REAUTH", reason: "authError" });
  });

  it("accepts the access tokens the OAuth fake issues, and not once they are revoked", async () => {
    const oauth = googleOAuth({ GOOGLE_CLIENT_ID: google.oauth.clientId, GOOGLE_CLIENT_SECRET: google.oauth.clientSecret, GOOGLE_OAUTH_BASE_URL: google.url });
    const { verifier, challenge } = await oauth.pkce();
    const redirectUri = "http://127.0.0.1:1/callback";
    const consent = await fetch(oauth.authorizationUrl({ scopes: ["https://www.googleapis.com/auth/gmail.modify", "email"], state: "s", codeChallenge: challenge, redirectUri }), { redirect: "manual" });
    const code = new URL(consent.headers.get("location")!).searchParams.get("code")!;
    const tokens = await oauth.exchangeCode({ code, codeVerifier: verifier, redirectUri });
    const viaOAuth = createMailboxClient({ auth: oauth.clientFor(tokens), rootUrl: google.rootUrl });
    expect((await viaOAuth.profile()).emailAddress).toBe(google.oauth.user.email);
    google.oauth.revokeUser(google.oauth.user.email);
    await expect(viaOAuth.profile()).rejects.toMatchObject({ status: 401, kind: "REAUTH" });
  });
});
