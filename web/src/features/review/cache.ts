// Keeps the cached review queue in step with pendingDraftsChanged: a draft that
// left review (approved, rejected… by anyone) is taken out of every loaded page;
// a new one is appended to the last loaded page. A changed draft needs nothing
// here: the event carries its fields and the normalised cache updates it in place.
import type { Cache, UpdateResolver } from "@urql/exchange-graphcache";
import { gql } from "urql";

const LiveEdge = gql`
  fragment LiveEdge on PendingDraftEdge {
    cursor
    node { id }
  }
`;

interface Change {
  change: "ADDED" | "REMOVED" | "UPDATED";
  draftId: string;
  draft?: { id: string } | null;
}

function pages(cache: Cache): string[] {
  return cache
    .inspectFields("Query")
    .filter((f) => f.fieldName === "pendingDrafts")
    .map((f) => cache.resolve("Query", f.fieldKey))
    .filter((k): k is string => typeof k === "string");
}

export const pendingDraftsUpdater: UpdateResolver = (result, _args, cache) => {
  const event = (result as { pendingDraftsChanged?: Change }).pendingDraftsChanged;
  if (!event) return;
  const edgeKey = `PendingDraftEdge:pending:${event.draftId}`;
  if (event.change === "REMOVED") {
    for (const page of pages(cache)) {
      const edges = (cache.resolve(page, "edges") as string[] | null) ?? [];
      if (edges.includes(edgeKey)) cache.link(page, "edges", edges.filter((e) => e !== edgeKey));
    }
    return;
  }
  if (event.change === "ADDED" && event.draft) {
    const all = pages(cache);
    if (all.some((page) => ((cache.resolve(page, "edges") as string[] | null) ?? []).includes(edgeKey))) return;
    // Only when the whole queue is loaded: otherwise it arrives with the next page (the queue is oldest first).
    const last = all.find((page) => {
      const info = cache.resolve(page, "pageInfo") as string | null;
      return info !== null && cache.resolve(info, "hasNextPage") === false;
    });
    if (!last) return;
    cache.writeFragment(LiveEdge, { __typename: "PendingDraftEdge", cursor: `live:${event.draftId}`, node: { __typename: "Draft", id: event.draftId } });
    const edges = (cache.resolve(last, "edges") as string[] | null) ?? [];
    cache.link(last, "edges", [...edges, edgeKey]);
  }
};
