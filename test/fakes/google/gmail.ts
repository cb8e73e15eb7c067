// Wire-level fake of the Gmail API v1 paths we use, for @googleapis/gmail
// pointed at the composed fake (server.ts) with rootUrl:
//   GET  gmail/v1/users/{userId}/profile
//   GET  gmail/v1/users/{userId}/messages            q, labelIds (repeated), pageToken, maxResults, includeSpamTrash
//   GET  gmail/v1/users/{userId}/messages/{id}       format=raw|full|metadata|minimal, metadataHeaders (repeated)
//   GET  gmail/v1/users/{userId}/history             startHistoryId, pageToken, maxResults, labelId, historyTypes;
//                                                    404 notFound (Google's shape) when startHistoryId is older than the kept history
//   POST gmail/v1/users/{userId}/messages/send       { raw (base64url), threadId } → { id, threadId, labelIds }
//   POST gmail/v1/users/{userId}/watch               { topicName, labelIds } → { historyId, expiration }: the mailbox is
//                                                    watched; every later delivery calls `onChange` (the composed server
//                                                    turns it into a signed Pub/Sub push when one is configured)
// userId is "me" or the authenticated account's address. Search (q)
// understands rfc822msgid:, in:, label:, from:, to:, subject:, after:,
// before:, newer_than:/older_than: (d/m/y) and free words.
import { randomBytes } from "node:crypto";
import { googleError, offsetOf, pageToken, sendJson, type RequestContext, type RouteModule } from "./common.js";

export interface FakeGmailMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  /** The RFC 5322 message as received or sent (CRLF). */
  raw: string;
  internalDate: number;
  historyId: number;
  headers: { name: string; value: string }[];
}

interface HistoryRecord {
  id: number;
  messageId: string;
  threadId: string;
  labelIds: string[];
}

export interface FakeMailbox {
  email: string;
  historyId: number;
  /** History records older than this id are gone: a startHistoryId below it gets 404. */
  oldestHistoryId: number;
  messages: FakeGmailMessage[];
  history: HistoryRecord[];
  /** users.watch: the topic and when the watch ends (epoch ms). */
  watch?: { topicName: string; expiration: number };
}

export interface SentRecord {
  mailbox: string;
  id: string;
  threadId: string;
  raw: string;
  /** The Message-ID header of the sent message. */
  messageId: string | null;
}

export interface FakeGmail {
  readonly mailboxes: Map<string, FakeMailbox>;
  /** Every message received by users.messages.send, in order. */
  readonly sent: SentRecord[];
  /** How many users.messages.send calls were accepted. */
  sendCount(mailbox?: string): number;
  mailbox(email: string): FakeMailbox;
  /** Delivers a message into a mailbox (a history record "messagesAdded"). Returns it. */
  deliver(email: string, input: { raw: string; labelIds?: string[]; threadId?: string; internalDate?: number; autoThread?: boolean }): FakeGmailMessage;
  /** Fills a mailbox with n inbound messages, one a minute back from `end` (default now). */
  seedMailbox(email: string, n: number, options?: { from?: string; subjectPrefix?: string; end?: number; labelIds?: string[] }): FakeGmailMessage[];
  /** Drops the history so far: any earlier startHistoryId now gets Google's 404. */
  expireHistory(email: string): void;
  /** How many users.watch calls were accepted, per mailbox. */
  readonly watchCalls: Map<string, number>;
  /** Called after every delivery into a watched mailbox (Gmail's publish to the watch's topic). */
  onChange: ((change: { email: string; historyId: number; topicName: string }) => void) | null;
}

function id(): string {
  return randomBytes(8).toString("hex");
}

export function parseHeaders(raw: string): { name: string; value: string }[] {
  const end = raw.search(/\r?\n\r?\n/);
  const head = (end === -1 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, " ");
  const out: { name: string; value: string }[] = [];
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out.push({ name: line.slice(0, i).trim(), value: line.slice(i + 1).trim() });
  }
  return out;
}

function header(m: { headers: { name: string; value: string }[] }, name: string): string | null {
  return m.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value ?? null;
}

function bodyOf(raw: string): string {
  const m = /\r?\n\r?\n/.exec(raw);
  return m ? raw.slice(m.index + m[0].length) : "";
}

function snippet(raw: string): string {
  return bodyOf(raw).replace(/\s+/g, " ").trim().slice(0, 100);
}

export function createFakeGmail(): FakeGmail {
  const mailboxes = new Map<string, FakeMailbox>();
  const sent: SentRecord[] = [];
  const fake: FakeGmail = {
    mailboxes,
    sent,
    sendCount: (mailbox) => (mailbox ? sent.filter((s) => s.mailbox === mailbox.toLowerCase()).length : sent.length),
    mailbox(email) {
      const key = email.toLowerCase();
      let box = mailboxes.get(key);
      if (!box) mailboxes.set(key, (box = { email: key, historyId: 1000, oldestHistoryId: 1, messages: [], history: [] }));
      return box;
    },
    deliver(email, input) {
      const box = fake.mailbox(email);
      const headers = parseHeaders(input.raw);
      let threadId = input.threadId;
      if (!threadId && input.autoThread !== false) {
        // Gmail threads a message with the one its In-Reply-To/References name.
        const refs = `${header({ headers }, "In-Reply-To") ?? ""} ${header({ headers }, "References") ?? ""}`.match(/<[^>]+>/g) ?? ([] as string[]);
        threadId = box.messages.find((m) => refs.includes(header(m, "Message-ID") ?? "\0"))?.threadId;
      }
      const msgId = id();
      box.historyId += 1;
      const message: FakeGmailMessage = {
        id: msgId,
        threadId: threadId ?? msgId,
        labelIds: input.labelIds ?? ["INBOX", "UNREAD"],
        raw: input.raw,
        internalDate: input.internalDate ?? Date.now(),
        historyId: box.historyId,
        headers,
      };
      box.messages.push(message);
      box.history.push({ id: box.historyId, messageId: message.id, threadId: message.threadId, labelIds: message.labelIds });
      if (box.watch && box.watch.expiration > Date.now()) fake.onChange?.({ email: box.email, historyId: box.historyId, topicName: box.watch.topicName });
      return message;
    },
    seedMailbox(email, n, options = {}) {
      const end = options.end ?? Date.now();
      const out: FakeGmailMessage[] = [];
      for (let i = n - 1; i >= 0; i--) {
        const date = new Date(end - i * 60_000);
        const msgid = `<seed-${id()}@${(options.from ?? "prospect@customer.example").split("@")[1]}>`;
        const raw = [
          `From: ${options.from ?? "prospect@customer.example"}`,
          `To: ${email}`,
          `Subject: ${options.subjectPrefix ?? "Question"} ${n - i}`,
          `Date: ${date.toUTCString()}`,
          `Message-ID: ${msgid}`,
          "MIME-Version: 1.0",
          "Content-Type: text/plain; charset=utf-8",
          "",
          `Hello, this is message ${n - i}.`,
          "",
        ].join("\r\n");
        out.push(fake.deliver(email, { raw, internalDate: date.getTime(), labelIds: options.labelIds }));
      }
      return out;
    },
    watchCalls: new Map(),
    onChange: null,
    expireHistory(email) {
      const box = fake.mailbox(email);
      box.oldestHistoryId = box.historyId + 1;
      box.history = [];
    },
  };
  return fake;
}

// ---- search ----------------------------------------------------------------------

function tokens(q: string): string[] {
  return q.match(/(?:[^\s"]+:)?"[^"]*"|\S+/g) ?? [];
}

function dateBound(v: string): number | null {
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(v);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}

function relative(v: string): number | null {
  const m = /^(\d+)([dmy])$/.exec(v);
  if (!m) return null;
  const days = Number(m[1]) * (m[2] === "d" ? 1 : m[2] === "m" ? 30 : 365);
  return Date.now() - days * 86_400_000;
}

function matcher(q: string): ((m: FakeGmailMessage) => boolean) | null {
  const tests: ((m: FakeGmailMessage) => boolean)[] = [];
  for (const t of tokens(q)) {
    const m = /^(-?)([a-z0-9_]+):(.*)$/i.exec(t);
    const neg = m?.[1] === "-";
    const key = m?.[2]?.toLowerCase();
    const value = (m?.[3] ?? t).replace(/^"|"$/g, "");
    let test: ((x: FakeGmailMessage) => boolean) | null = null;
    switch (key) {
      case "rfc822msgid": {
        const want = value.replace(/^<|>$/g, "");
        test = (x) => (header(x, "Message-ID") ?? "").replace(/^<|>$/g, "") === want;
        break;
      }
      case "in":
      case "label":
        test = (x) => x.labelIds.includes(value.toUpperCase());
        break;
      case "from":
      case "to":
      case "subject":
        test = (x) => (header(x, key) ?? "").toLowerCase().includes(value.toLowerCase());
        break;
      case "after":
      case "before": {
        const b = dateBound(value);
        if (b === null) return null;
        test = key === "after" ? (x) => x.internalDate >= b : (x) => x.internalDate < b;
        break;
      }
      case "newer_than":
      case "older_than": {
        const b = relative(value);
        if (b === null) return null;
        test = key === "newer_than" ? (x) => x.internalDate >= b : (x) => x.internalDate < b;
        break;
      }
      case undefined: {
        const word = value.toLowerCase();
        test = (x) => `${header(x, "Subject") ?? ""} ${bodyOf(x.raw)}`.toLowerCase().includes(word);
        break;
      }
      default:
        test = () => false;
    }
    tests.push(neg ? (x) => !test!(x) : test);
  }
  return (x) => tests.every((t) => t(x));
}

// ---- message formats ------------------------------------------------------------

function payload(m: FakeGmailMessage, format: string, metadataHeaders: string[]) {
  const contentType = header(m, "Content-Type") ?? "text/plain";
  const mimeType = contentType.split(";")[0]!.trim().toLowerCase();
  const headers = format === "metadata" && metadataHeaders.length ? m.headers.filter((h) => metadataHeaders.some((w) => w.toLowerCase() === h.name.toLowerCase())) : m.headers;
  if (format === "metadata") return { mimeType, headers };
  const body = bodyOf(m.raw);
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (mimeType.startsWith("multipart/") && boundary) {
    const parts = body
      .split(`--${boundary}`)
      .slice(1)
      .filter((p) => !p.startsWith("--"))
      .map((p, i) => {
        const text = p.replace(/^\r?\n/, "");
        const ph = parseHeaders(text);
        const pb = bodyOf(text).replace(/\r?\n$/, "");
        const pt = (ph.find((h) => h.name.toLowerCase() === "content-type")?.value ?? "text/plain").split(";")[0]!.trim();
        return { partId: String(i), mimeType: pt, filename: "", headers: ph, body: { size: Buffer.byteLength(pb), data: Buffer.from(pb).toString("base64url") } };
      });
    return { partId: "", mimeType, filename: "", headers, body: { size: 0 }, parts };
  }
  return { partId: "", mimeType, filename: "", headers, body: { size: Buffer.byteLength(body), data: Buffer.from(body).toString("base64url") } };
}

function resource(m: FakeGmailMessage, format: string, metadataHeaders: string[]) {
  const base = { id: m.id, threadId: m.threadId, labelIds: m.labelIds, snippet: snippet(m.raw), sizeEstimate: Buffer.byteLength(m.raw), historyId: String(m.historyId), internalDate: String(m.internalDate) };
  if (format === "minimal") return base;
  if (format === "raw") return { ...base, raw: Buffer.from(m.raw, "utf8").toString("base64url") };
  return { ...base, payload: payload(m, format, metadataHeaders) };
}

// ---- routes ----------------------------------------------------------------------

export function gmailRoutes(fake: FakeGmail): RouteModule {
  return async (ctx: RequestContext) => {
    const { req, res, url } = ctx;
    const m = /^\/gmail\/v1\/users\/([^/]+)\/(profile|messages|history|watch|messages\/send|messages\/([^/]+))$/.exec(url.pathname);
    if (!m) return false;
    const userId = decodeURIComponent(m[1]!);
    if (userId !== "me" && userId.toLowerCase() !== ctx.email) {
      return googleError(res, 403, "Delegation denied for " + ctx.email, { reason: "forbidden" });
    }
    const box = fake.mailbox(ctx.email);
    const what = m[2]!;
    const q = url.searchParams;
    if (req.method === "GET" && what === "profile") {
      return sendJson(res, 200, { emailAddress: box.email, messagesTotal: box.messages.length, threadsTotal: new Set(box.messages.map((x) => x.threadId)).size, historyId: String(box.historyId) });
    }
    if (req.method === "GET" && what === "messages") {
      const match = matcher(q.get("q") ?? "");
      if (!match) return googleError(res, 400, "Invalid query", { reason: "invalidArgument", location: "q" });
      const labels = q.getAll("labelIds");
      const spam = q.get("includeSpamTrash") === "true";
      const max = Math.min(Number(q.get("maxResults") ?? 100) || 100, 500);
      const offset = offsetOf(q.get("pageToken"));
      if (offset === null) return googleError(res, 400, "Invalid pageToken", { reason: "invalidArgument", location: "pageToken" });
      const all = box.messages
        .filter((x) => (spam || !x.labelIds.some((l) => l === "SPAM" || l === "TRASH")) && labels.every((l) => x.labelIds.includes(l)) && match(x))
        .sort((a, b) => b.internalDate - a.internalDate || b.historyId - a.historyId);
      const page = all.slice(offset, offset + max);
      return sendJson(res, 200, {
        ...(page.length ? { messages: page.map((x) => ({ id: x.id, threadId: x.threadId })) } : {}),
        ...(offset + max < all.length ? { nextPageToken: pageToken(offset + max) } : {}),
        resultSizeEstimate: all.length,
      });
    }
    if (req.method === "GET" && m[3] && m[3] !== "send") {
      const msg = box.messages.find((x) => x.id === m[3]);
      if (!msg) return googleError(res, 404, "Requested entity was not found.");
      const format = q.get("format") ?? "full";
      if (!["raw", "full", "metadata", "minimal"].includes(format)) return googleError(res, 400, `Invalid value at 'format' (${format})`, { location: "format" });
      return sendJson(res, 200, resource(msg, format, q.getAll("metadataHeaders")));
    }
    if (req.method === "GET" && what === "history") {
      const start = Number(q.get("startHistoryId"));
      if (!q.get("startHistoryId") || !Number.isFinite(start)) return googleError(res, 400, "Missing or invalid startHistoryId", { location: "startHistoryId" });
      if (start < box.oldestHistoryId - 1) return googleError(res, 404, "Requested entity was not found.");
      const max = Math.min(Number(q.get("maxResults") ?? 100) || 100, 500);
      const offset = offsetOf(q.get("pageToken"));
      if (offset === null) return googleError(res, 400, "Invalid pageToken", { location: "pageToken" });
      const label = q.get("labelId");
      const records = box.history.filter((h) => h.id > start && (!label || h.labelIds.includes(label)));
      const page = records.slice(offset, offset + max);
      return sendJson(res, 200, {
        ...(page.length
          ? {
              history: page.map((h) => ({
                id: String(h.id),
                messages: [{ id: h.messageId, threadId: h.threadId }],
                messagesAdded: [{ message: { id: h.messageId, threadId: h.threadId, labelIds: h.labelIds } }],
              })),
            }
          : {}),
        ...(offset + max < records.length ? { nextPageToken: pageToken(offset + max) } : {}),
        historyId: String(box.historyId),
      });
    }
    if (req.method === "POST" && what === "watch") {
      const body = (await ctx.body()) as { topicName?: unknown };
      if (typeof body.topicName !== "string" || !/^projects\/[^/]+\/topics\/[^/]+$/.test(body.topicName)) {
        return googleError(res, 400, "Invalid topicName does not match projects/*/topics/*", { reason: "invalidArgument" });
      }
      box.watch = { topicName: body.topicName, expiration: Date.now() + 7 * 86_400_000 };
      fake.watchCalls.set(box.email, (fake.watchCalls.get(box.email) ?? 0) + 1);
      return sendJson(res, 200, { historyId: String(box.historyId), expiration: String(box.watch.expiration) });
    }
    if (req.method === "POST" && what === "messages/send") {
      const body = (await ctx.body()) as { raw?: unknown; threadId?: unknown };
      if (typeof body.raw !== "string" || !body.raw) return googleError(res, 400, "'raw' RFC822 payload message string or uploading message via /upload/* URL required", { reason: "invalidArgument" });
      const raw = Buffer.from(body.raw, "base64url").toString("utf8");
      const headers = parseHeaders(raw);
      if (!headers.some((h) => /^to$|^cc$|^bcc$/i.test(h.name))) return googleError(res, 400, "Invalid To header", { reason: "invalidArgument" });
      let threadId: string | undefined;
      if (typeof body.threadId === "string" && body.threadId) {
        if (!box.messages.some((x) => x.threadId === body.threadId)) return googleError(res, 404, "Requested entity was not found.");
        threadId = body.threadId;
      }
      // Without threadId the API starts a new thread, whatever the headers say.
      const msg = fake.deliver(box.email, { raw, threadId, labelIds: ["SENT"], autoThread: false });
      fake.sent.push({ mailbox: box.email, id: msg.id, threadId: msg.threadId, raw, messageId: header(msg, "Message-ID") });
      return sendJson(res, 200, { id: msg.id, threadId: msg.threadId, labelIds: msg.labelIds });
    }
    return false;
  };
}
