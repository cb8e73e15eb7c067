// Gmail through @googleapis/gmail, behind our MailboxClient interface: list,
// get (raw RFC 5322), history since a history id, send (the draft's own
// raw message with its fixed Message-ID, in the original thread when it is a
// reply) and the crash check (search by rfc822msgid:). One client per call
// (callWithConnection hands over the connection's OAuth2Client and an abort
// signal); the SDK's own retry is off — the resilience policy retries, once.
import type { OAuth2Client } from "google-auth-library";
import type { gmail_v1 } from "@googleapis/gmail";
import { lazyRequire } from "../../config/lazy-require.js";
import { googleCall, HistoryExpiredError, GoogleApiError } from "./errors.js";

const gmailApi = lazyRequire<typeof import("@googleapis/gmail")>("@googleapis/gmail");

export interface GoogleClientOptions {
  auth: OAuth2Client;
  /** Google's API root (default https://gmail.googleapis.com/), or a fake's — with the trailing slash. */
  rootUrl?: string;
  signal?: AbortSignal;
}

export interface MessageSummary {
  id: string;
  threadId: string;
}

export interface MailboxMessage extends MessageSummary {
  labelIds: string[];
  historyId: string | null;
  internalDate: Date | null;
  /** The full RFC 5322 message (format=raw), decoded. */
  raw: string;
}

export interface MailboxMessageMetadata extends MessageSummary {
  labelIds: string[];
  historyId: string | null;
  internalDate: Date | null;
  snippet: string | null;
  headers: Record<string, string>;
}

export interface HistoryPage {
  /** Messages added since the start id, each once, oldest first. */
  added: (MessageSummary & { labelIds: string[] })[];
  /** The mailbox's current history id: the next start id once every page is read. */
  historyId: string | null;
  nextPageToken: string | null;
}

export interface SendInput {
  /** The complete RFC 5322 message (compose.ts), with the draft's fixed Message-ID header. */
  raw: string;
  /** The Gmail thread to reply in (with In-Reply-To/References in `raw`). */
  threadId?: string | null;
}

export interface MailboxClient {
  profile(): Promise<{ emailAddress: string; historyId: string | null; messagesTotal: number | null }>;
  listMessages(input?: { q?: string; labelIds?: string[]; pageToken?: string | null; maxResults?: number; includeSpamTrash?: boolean }): Promise<{ messages: MessageSummary[]; nextPageToken: string | null; resultSizeEstimate: number | null }>;
  getMessage(id: string): Promise<MailboxMessage>;
  getMetadata(id: string, headers?: string[]): Promise<MailboxMessageMetadata>;
  /** Throws HistoryExpiredError when Google no longer has history that old (404). */
  history(input: { startHistoryId: string; pageToken?: string | null; maxResults?: number; labelId?: string }): Promise<HistoryPage>;
  send(input: SendInput): Promise<MessageSummary & { labelIds: string[] }>;
  /** The message with this RFC Message-ID in the mailbox (sent or received), or null. */
  findByMessageId(rfc822MessageId: string): Promise<MessageSummary | null>;
  /** The crash check before a resend: did this Message-ID go out? */
  findSentByMessageId(rfc822MessageId: string): Promise<MessageSummary | null>;
}

/** Message-ID header value without angle brackets (Gmail's rfc822msgid: takes it bare). */
export function bareMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, "");
}

/** The Message-ID header of a raw message, or null. */
export function messageIdHeader(raw: string): string | null {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, " ");
  return /^message-id:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? null;
}

/** The headers of a reply to a message: In-Reply-To its id, References its references plus its id (RFC 5322 §3.6.4). */
export function replyHeaders(parent: { messageId: string; references?: string | null }): { "In-Reply-To": string; References: string } {
  const id = `<${bareMessageId(parent.messageId)}>`;
  const refs = (parent.references ?? "").match(/<[^>]+>/g) ?? [];
  return { "In-Reply-To": id, References: [...refs.filter((r) => r !== id), id].join(" ") };
}

function summary(m: gmail_v1.Schema$Message): MessageSummary {
  return { id: m.id ?? "", threadId: m.threadId ?? "" };
}

function date(ms: string | null | undefined): Date | null {
  return ms && /^\d+$/.test(ms) ? new Date(Number(ms)) : null;
}

export function createMailboxClient(options: GoogleClientOptions): MailboxClient {
  const api = gmailApi().gmail({ version: "v1", auth: options.auth, retry: false, ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}) });
  const call = { signal: options.signal } as const;
  const users = api.users;

  async function search(q: string): Promise<MessageSummary | null> {
    const res = await googleCall("users.messages.list", () => users.messages.list({ userId: "me", q, maxResults: 1, includeSpamTrash: true }, call));
    const first = res.data.messages?.[0];
    return first ? summary(first) : null;
  }

  return {
    async profile() {
      const res = await googleCall("users.getProfile", () => users.getProfile({ userId: "me" }, call));
      return { emailAddress: res.data.emailAddress ?? "", historyId: res.data.historyId ?? null, messagesTotal: res.data.messagesTotal ?? null };
    },
    async listMessages(input = {}) {
      const res = await googleCall("users.messages.list", () =>
        users.messages.list(
          {
            userId: "me",
            q: input.q,
            labelIds: input.labelIds,
            pageToken: input.pageToken ?? undefined,
            maxResults: input.maxResults,
            includeSpamTrash: input.includeSpamTrash,
          },
          call,
        ),
      );
      return { messages: (res.data.messages ?? []).map(summary), nextPageToken: res.data.nextPageToken ?? null, resultSizeEstimate: res.data.resultSizeEstimate ?? null };
    },
    async getMessage(id) {
      const res = await googleCall("users.messages.get", () => users.messages.get({ userId: "me", id, format: "raw" }, call));
      const m = res.data;
      return { ...summary(m), labelIds: m.labelIds ?? [], historyId: m.historyId ?? null, internalDate: date(m.internalDate), raw: Buffer.from(m.raw ?? "", "base64url").toString("utf8") };
    },
    async getMetadata(id, headers) {
      const res = await googleCall("users.messages.get", () => users.messages.get({ userId: "me", id, format: "metadata", metadataHeaders: headers }, call));
      const m = res.data;
      const out: Record<string, string> = {};
      for (const h of m.payload?.headers ?? []) if (h.name && !(h.name in out)) out[h.name] = h.value ?? "";
      return { ...summary(m), labelIds: m.labelIds ?? [], historyId: m.historyId ?? null, internalDate: date(m.internalDate), snippet: m.snippet ?? null, headers: out };
    },
    async history(input) {
      try {
        const res = await googleCall("users.history.list", () =>
          users.history.list(
            { userId: "me", startHistoryId: input.startHistoryId, pageToken: input.pageToken ?? undefined, maxResults: input.maxResults, labelId: input.labelId, historyTypes: ["messageAdded"] },
            call,
          ),
        );
        const seen = new Set<string>();
        const added: HistoryPage["added"] = [];
        for (const h of res.data.history ?? []) {
          for (const a of h.messagesAdded ?? []) {
            const m = a.message;
            if (!m?.id || seen.has(m.id)) continue;
            seen.add(m.id);
            added.push({ ...summary(m), labelIds: m.labelIds ?? [] });
          }
        }
        return { added, historyId: res.data.historyId ?? null, nextPageToken: res.data.nextPageToken ?? null };
      } catch (error) {
        // Google's answer to a start id older than the kept history: 404 notFound.
        if (error instanceof GoogleApiError && error.status === 404) throw new HistoryExpiredError(input.startHistoryId);
        throw error;
      }
    },
    async send(input) {
      if (!messageIdHeader(input.raw)) throw new Error("A message is sent only with its fixed Message-ID header (the crash check searches for it).");
      const res = await googleCall("users.messages.send", () =>
        users.messages.send({ userId: "me", requestBody: { raw: Buffer.from(input.raw, "utf8").toString("base64url"), ...(input.threadId ? { threadId: input.threadId } : {}) } }, call),
      );
      return { ...summary(res.data), labelIds: res.data.labelIds ?? [] };
    },
    findByMessageId: (id) => search(`rfc822msgid:${bareMessageId(id)}`),
    findSentByMessageId: (id) => search(`rfc822msgid:${bareMessageId(id)} in:sent`),
  };
}
