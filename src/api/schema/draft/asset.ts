// Drive assets: assetSuggestions(contactId | threadId) — the files of the
// tenant's allowlisted Drive folders (settings.assets.folderIds) that fit the
// thread and the prospect's industry/persona, ranked, as the asking person's
// own Google connection can read them. Needs draft:write (the list is for
// writing and reviewing drafts). Draft.citedAssets shows what a draft links.
import type { CitedAsset, RankedAsset } from "../../../domain/draft/asset.js";
import { citedAssetsOf } from "../../../domain/draft/asset.js";
import { reads } from "../list-page.js";
import { assetSuggestionsFor, type AssetHunt } from "../../../orchestration/draft/asset-hunter.js";
import { withConnectors } from "../../../orchestration/connection/connection.js";
import { builder } from "../../builder.js";
import { actorOf } from "../../context.js";
import { DraftType } from "./draft.js";
import { idOf } from "../global-id.js";
import { errorPayload, payloadType, toPayload, type Payload } from "../user-error.js";

const AssetSuggestionType = builder.objectRef<RankedAsset>("AssetSuggestion").implement({
  description: "A Drive file from an allowlisted folder, ranked for this prospect.",
  fields: (t) => ({
    fileId: t.exposeString("fileId"),
    name: t.exposeString("name"),
    url: t.exposeString("url", { description: "The file's Drive link (webViewLink)." }),
    mimeType: t.exposeString("mimeType"),
    score: t.exposeFloat("score", { description: "Industry +3, persona +2, each thread word +1 (at most 4), modified within 180 days +0.5." }),
    reasons: t.exposeStringList("reasons", { description: 'Why it ranks, e.g. "industry:healthcare", "persona:technical", "thread:pricing".' }),
  }),
});

const AssetSuggestionsPayload = payloadType<Payload<AssetHunt & { maxCited: number }>>("AssetSuggestionsPayload", (t) => ({
  assets: t.field({ type: [AssetSuggestionType], resolve: (p) => p.assets ?? [] }),
  maxCited: t.int({ nullable: true, description: "How many of the top assets a draft may cite (settings.assets.maxCited).", resolve: (p) => p.maxCited ?? null }),
  noAssetReason: t.string({
    nullable: true,
    description: "Why the list is empty: NO_ALLOWLIST (settings.assets.folderIds is empty), NO_DRIVE_CONNECTION (connect Google with Drive access) or NO_MATCH.",
    resolve: (p) => p.reason ?? null,
  }),
}));

builder.queryField("assetSuggestions", (t) =>
  t.field({
    type: AssetSuggestionsPayload,
    description: "Drive files from the tenant's allowlisted folders that fit a contact (or a thread), ranked; only files you can read.",
    authScopes: { permission: "draft:write" },
    args: { contactId: t.arg.id({ required: false }), threadId: t.arg.id({ required: false }) },
    resolve: async (_root, { contactId, threadId }, ctx) => {
      const contact = contactId ? idOf(String(contactId), "Contact", ["contactId"]) : null;
      if (contact && !contact.ok) return errorPayload<AssetHunt & { maxCited: number }>(contact.errors);
      const thread = threadId ? idOf(String(threadId), "EmailThread", ["threadId"]) : null;
      if (thread && !thread.ok) return errorPayload<AssetHunt & { maxCited: number }>(thread.errors);
      return toPayload(
        await assetSuggestionsFor(withConnectors(ctx.services), actorOf(ctx), { contactId: contact?.ok ? contact.id : null, threadId: thread?.ok ? thread.id : null }),
      );
    },
  }),
);

const CitedAssetType = builder.objectRef<CitedAsset>("CitedAsset").implement({
  fields: (t) => ({
    fileId: t.exposeString("fileId"),
    name: t.exposeString("name"),
    url: t.exposeString("url"),
  }),
});

builder.objectField(DraftType, "citedAssets", (t) =>
  t.field({
    type: [CitedAssetType],
    description: "Drive files the draft writer linked in this draft; the quality gate allows exactly these links.",
    extensions: reads("citedAssets"),
    resolve: (draft) => citedAssetsOf(draft.citedAssets),
  }),
);
