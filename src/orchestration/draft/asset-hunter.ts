// AssetHunterAgent: Drive files worth linking in a draft. It searches only
// the tenant's allowlisted folders / shared drives (settings.assets.folderIds,
// enforced by the Drive adapter before Google is asked and again on every
// file returned), always as the rep's own Google connection — so a file the
// rep cannot read is never returned by Google and never offered — and ranks
// what it finds by the thread and the prospect's industry and persona
// (domain/asset.ts rankAssets). The draft writer cites at most the top
// settings.assets.maxCited (≤ 2); the reviewer sees the whole ranked list
// through assetSuggestions(contactId | threadId). Nothing is written here.
import type { ThreadFacts } from "../../ai/prompts/thread-reader.js";
import { withTenant, type Tx } from "../../data/database.js";
import { rankAssets, type AssetCandidate, type RankedAsset } from "../../domain/draft/asset.js";
import { readTenantSettings, type TenantSettings } from "../../domain/tenant/tenant.js";
import { stripQuoted } from "../../domain/draft/voice.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { createDriveClient } from "../../integrations/google/drive.js";
import { AssetNotAllowedError } from "../../integrations/google/errors.js";
import { ConnectionUnavailableError, callWithConnection, type ConnectionServices } from "../connection/connection.js";
import type { Services } from "../services.js";
import type { Actor } from "../unit-of-work.js";

/** At most this many files are read from the allowlisted folders per search (pages of 100). */
const MAX_FILES = 300;

export type AssetNoneReason = "NO_ALLOWLIST" | "NO_DRIVE_CONNECTION" | "NO_MATCH";

export interface AssetHunt {
  assets: RankedAsset[];
  /** Why the list is empty (null when it is not). */
  reason: AssetNoneReason | null;
}

interface DriveConnection {
  id: string;
  tenantId: string;
  provider: "GOOGLE";
}

/** The user's ACTIVE Google connection that may read Drive (a drive scope was granted), newest first. */
export async function driveConnectionOf(tx: Tx, userId: string | null | undefined): Promise<DriveConnection | null> {
  if (!userId) return null;
  const rows = await tx.connection.findMany({
    where: { provider: "GOOGLE", status: "ACTIVE", userId },
    orderBy: { createdAt: "desc" },
    select: { id: true, tenantId: true, scopes: true },
  });
  const found = rows.find((c) => c.scopes.some((s) => s.includes("/auth/drive")));
  return found ? { id: found.id, tenantId: found.tenantId, provider: "GOOGLE" } : null;
}

interface HuntFacts {
  settings: TenantSettings;
  contactId: string;
  industry: string | null;
  title: string | null;
  threadText: string;
}

/** The contact (directly or through the thread) and the words of its latest thread. */
async function huntFacts(tx: Tx, tenantId: string, target: { contactId?: string | null; threadId?: string | null }): Promise<HuntFacts | null> {
  const thread = target.threadId
    ? await tx.emailThread.findUnique({ where: { id: target.threadId }, select: { id: true, subject: true, facts: true, contactId: true } })
    : target.contactId
      ? await tx.emailThread.findFirst({ where: { contactId: target.contactId }, orderBy: { lastMessageAt: "desc" }, select: { id: true, subject: true, facts: true, contactId: true } })
      : null;
  if (target.threadId && !thread) return null;
  const contactId = target.contactId ?? thread?.contactId ?? null;
  if (!contactId) return null;
  const contact = await tx.contact.findUnique({ where: { id: contactId }, select: { id: true, title: true, company: { select: { industry: true } } } });
  if (!contact) return null;
  const inbound = thread
    ? await tx.inboundMessage.findFirst({ where: { threadId: thread.id, automated: false }, orderBy: { receivedAt: "desc" }, select: { subject: true, text: true } })
    : null;
  const facts = (thread?.facts ?? null) as ThreadFacts | null;
  const threadText = [
    thread?.subject ?? "",
    inbound ? `${inbound.subject}\n${stripQuoted(inbound.text).slice(0, 4_000)}` : "",
    ...(facts?.asks.map((a) => a.text) ?? []),
    ...(facts?.objections.map((o) => o.text) ?? []),
  ].join("\n");
  const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
  return { settings: readTenantSettings(tenant.settings), contactId: contact.id, industry: contact.company?.industry ?? null, title: contact.title, threadText };
}

/** Lists the allowlisted folders as the rep and ranks the files. Throws ConnectionUnavailableError or a provider error. */
async function searchAndRank(services: ConnectionServices, connection: DriveConnection, facts: HuntFacts, now: Date): Promise<AssetHunt> {
  const folderIds = facts.settings.assets.folderIds;
  if (folderIds.length === 0) return { assets: [], reason: "NO_ALLOWLIST" };
  const files: AssetCandidate[] = [];
  let pageToken: string | null = null;
  do {
    const page = await callWithConnection(
      services,
      connection,
      ({ client, signal }) =>
        createDriveClient({ auth: client!, rootUrl: services.config.GOOGLE_API_ROOT_URL, signal, allowedFolderIds: folderIds }).search({ pageSize: 100, pageToken }),
      { idempotent: true },
    );
    files.push(...page.files);
    pageToken = page.nextPageToken;
  } while (pageToken && files.length < MAX_FILES);
  const assets = rankAssets(files, { threadText: facts.threadText, industry: facts.industry, title: facts.title, now });
  return { assets, reason: assets.length ? null : "NO_MATCH" };
}

/**
 * For the draft writer: the top `maxCited` assets for the contact/thread as
 * the author's Drive sees them; [] whenever there is nothing to cite or Drive
 * cannot be asked (a draft never waits for Drive).
 */
export async function assetsForDraft(
  services: Pick<Services, "db" | "config" | "mail" | "logger" | "connectors">,
  tenantId: string,
  authorUserId: string | null,
  target: { contactId: string; threadId?: string | null },
  now = new Date(),
): Promise<RankedAsset[]> {
  if (!services.connectors || !authorUserId) return [];
  const connectors = services.connectors;
  const read = await withTenant(services.db.prisma, { tenantId }, async (tx) => ({ facts: await huntFacts(tx, tenantId, target), connection: await driveConnectionOf(tx, authorUserId) }));
  if (!read.facts || !read.connection || read.facts.settings.assets.maxCited === 0) return [];
  try {
    const hunt = await searchAndRank({ ...services, connectors }, read.connection, read.facts, now);
    return hunt.assets.slice(0, read.facts.settings.assets.maxCited);
  } catch (error) {
    services.logger.warn({ err: error instanceof Error ? error.name : "error", tenantId }, "asset hunter: Drive search failed; the draft cites no asset");
    return [];
  }
}

export interface AssetSuggestionsInput {
  contactId?: string | null;
  threadId?: string | null;
  now?: Date;
}

/** assetSuggestions: the ranked list for a reviewer, as the asking person's own Drive connection sees it. */
export async function assetSuggestionsFor(services: ConnectionServices, actor: Actor, input: AssetSuggestionsInput): Promise<Outcome<AssetHunt & { maxCited: number }>> {
  const { tenantId, userId } = actor.principal;
  if (!!input.contactId === !!input.threadId) return fail(userError("VALIDATION_FAILED", "Give either contactId or threadId.", ["contactId"]));
  const read = await withTenant(services.db.prisma, { tenantId }, async (tx) => ({ facts: await huntFacts(tx, tenantId, input), connection: await driveConnectionOf(tx, userId) }));
  if (!read.facts) return fail(userError("NOT_FOUND", input.threadId ? "No such thread (or it has no contact)." : "No such contact.", [input.threadId ? "threadId" : "contactId"]));
  if (read.facts.settings.assets.folderIds.length === 0) return ok({ assets: [], reason: "NO_ALLOWLIST", maxCited: read.facts.settings.assets.maxCited });
  if (!read.connection) return ok({ assets: [], reason: "NO_DRIVE_CONNECTION", maxCited: read.facts.settings.assets.maxCited });
  try {
    return ok({ ...(await searchAndRank(services, read.connection, read.facts, input.now ?? new Date())), maxCited: read.facts.settings.assets.maxCited });
  } catch (error) {
    if (error instanceof ConnectionUnavailableError) return fail(userError("CONNECTION_NOT_ACTIVE", "Your Google connection needs to be connected again.", []));
    if (error instanceof AssetNotAllowedError) return ok({ assets: [], reason: "NO_ALLOWLIST", maxCited: read.facts.settings.assets.maxCited });
    services.logger.warn({ err: error instanceof Error ? error.name : "error", tenantId }, "assetSuggestions: Drive search failed");
    return fail(userError("PROVIDER_UNAVAILABLE", "Google Drive is not reachable right now; try again later.", []));
  }
}
