// users.watch / users.stop through @googleapis/gmail: Gmail publishes a
// notification ({emailAddress, historyId}) to the Cloud Pub/Sub topic on every
// mailbox change until the watch expires (at most 7 days; renew daily).
import { lazyRequire } from "../../config/lazy-require.js";
import { googleCall } from "./errors.js";
import type { GoogleClientOptions } from "./gmail.js";

const gmailApi = lazyRequire<typeof import("@googleapis/gmail")>("@googleapis/gmail");

export interface WatchResult {
  historyId: string | null;
  expiration: Date | null;
}

export async function watchMailbox(options: GoogleClientOptions, input: { topicName: string; labelIds?: string[] }): Promise<WatchResult> {
  const api = gmailApi().gmail({ version: "v1", auth: options.auth, retry: false, ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}) });
  const call = { signal: options.signal } as const;
  const res = await googleCall("users.watch", () =>
    api.users.watch(
      { userId: "me", requestBody: { topicName: input.topicName, ...(input.labelIds?.length ? { labelIds: input.labelIds, labelFilterBehavior: "include" } : {}) } },
      call,
    ),
  );
  const ms = res.data.expiration;
  return { historyId: res.data.historyId ?? null, expiration: ms && /^\d+$/.test(ms) ? new Date(Number(ms)) : null };
}
