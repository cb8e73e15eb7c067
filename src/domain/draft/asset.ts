// Drive assets are looked for only inside the tenant's allowlisted folders or
// shared drives (settings.assets.folderIds). Pure rules, applied by the Drive
// adapter before it asks Google and again on every file Google returns.
import { z } from "zod";

export type FolderScope =
  | { ok: true; folderIds: string[] }
  | { ok: false; reason: "NO_ALLOWLIST" | "FOLDER_NOT_ALLOWED"; refused: string[] };

/** The folders a search may cover: the requested ones when all are allowlisted, else all allowlisted ones. */
export function folderScope(allowlist: readonly string[], requested?: readonly string[] | null): FolderScope {
  const allowed = [...new Set(allowlist.filter((id) => typeof id === "string" && id.trim() !== ""))];
  if (allowed.length === 0) return { ok: false, reason: "NO_ALLOWLIST", refused: [...(requested ?? [])] };
  if (!requested || requested.length === 0) return { ok: true, folderIds: allowed };
  const refused = requested.filter((id) => !allowed.includes(id));
  if (refused.length) return { ok: false, reason: "FOLDER_NOT_ALLOWED", refused };
  return { ok: true, folderIds: [...new Set(requested)] };
}

/** A file may be offered only when one of its parents is allowlisted. */
export function fileAllowed(parents: readonly string[] | null | undefined, allowlist: readonly string[]): boolean {
  return !!parents && parents.some((p) => allowlist.includes(p));
}

/** A string literal for a Drive query (q): backslashes and single quotes escaped. */
export function driveQueryLiteral(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

// ---- settings.assets ------------------------------------------------------------------


/**
 * settings.assets: the Drive folders and shared drives (their ids) the
 * AssetHunterAgent may search. Empty: no asset is ever offered. Only files
 * directly inside a listed folder (or at the root of a listed shared drive)
 * count; list sub-folders explicitly.
 */
export const assetSettingsSchema = z
  .object({
    folderIds: z
      .array(z.string().trim().regex(/^[A-Za-z0-9_-]{5,128}$/, "must be a Google Drive folder or shared drive id"))
      .max(50)
      .default([]),
    /** How many assets a draft may cite (the top-ranked ones). */
    maxCited: z.number().int().min(0).max(2).default(2),
  })
  .strict();
export type AssetSettings = z.infer<typeof assetSettingsSchema>;

// ---- ranking (AssetHunterAgent) -------------------------------------------------------------

export interface AssetCandidate {
  id: string;
  name: string;
  description: string | null;
  mimeType: string;
  webViewLink: string | null;
  modifiedTime: Date | null;
}

export interface AssetContext {
  /** The thread's words: the inbound subject and text, the thread's asks and topics. */
  threadText: string;
  industry: string | null;
  /** The contact's job title. */
  title: string | null;
  now: Date;
}

export interface RankedAsset {
  fileId: string;
  name: string;
  url: string;
  mimeType: string;
  score: number;
  /** Why it ranks: "industry:healthcare", "persona:technical", "thread:pricing"… */
  reasons: string[];
}

/** Personas from a job title, each with the words its assets tend to carry. */
const PERSONAS: { persona: string; title: RegExp; words: string[] }[] = [
  { persona: "technical", title: /\b(?:cto|cio|ciso|engineer\w*|developer|architect|it|devops|security|technical|technology|data)\b/i, words: ["security", "architecture", "integration", "api", "technical", "whitepaper", "compliance", "soc", "gdpr", "sso"] },
  { persona: "finance", title: /\b(?:cfo|finance|financial|controller|procurement|purchasing|accounting)\b/i, words: ["roi", "pricing", "cost", "business case", "tco", "savings", "price"] },
  { persona: "executive", title: /\b(?:ceo|founder|co-founder|owner|president|managing director|general manager|coo)\b/i, words: ["overview", "case study", "strategy", "roi", "executive"] },
  { persona: "sales-marketing", title: /\b(?:sales|marketing|revenue|growth|cmo|cro|demand|business development)\b/i, words: ["playbook", "pipeline", "case study", "conversion", "campaign"] },
  { persona: "operations", title: /\b(?:operations|ops|logistics|supply|support|customer success|service)\b/i, words: ["workflow", "onboarding", "implementation", "process", "guide"] },
];

const STOP = new Set(
  "the a an and or but if of to in on at for with from by as is are was were be been it this that these those we you they i our your their my me us them can could would should will shall do does did not no yes hi hello thanks thank regards best please just also about what when how which who any some more most very have has had get got let lets know want need like one two three".split(" "),
);

function words(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9][a-z0-9+-]{1,}/g) ?? []).filter((w) => !STOP.has(w) && w.length >= 3);
}

function mentions(haystack: string, phrase: string): boolean {
  const p = phrase.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?:^|[^a-z0-9])${p}(?:s|es)?(?:$|[^a-z0-9])`, "i").test(haystack);
}

/**
 * Ranks files by relevance; files with no reason at all score 0 and are
 * dropped. The score (documented in the README):
 *   +3  the prospect's industry (any of its words) appears in the file's name or description
 *   +2  a word of the contact's persona (from their title) appears there
 *   +1  per distinct thread word (not a stop word, 3+ letters) that appears there, at most +4
 *   +0.5 modified within the last 180 days (only added to a file that already has a reason)
 * Ties: newer first, then by name.
 */
export function rankAssets(files: readonly AssetCandidate[], context: AssetContext): RankedAsset[] {
  const industryWords = context.industry ? words(context.industry) : [];
  const persona = context.title ? PERSONAS.find((p) => p.title.test(context.title!)) : undefined;
  const threadWords = [...new Set(words(context.threadText))].slice(0, 200);
  const ranked: (RankedAsset & { modified: number })[] = [];
  for (const f of files) {
    if (!f.webViewLink) continue;
    const text = `${f.name.replace(/[_.-]+/g, " ")} ${f.description ?? ""}`.toLowerCase();
    const reasons: string[] = [];
    let score = 0;
    const industryHit = industryWords.find((w) => mentions(text, w));
    if (industryHit) {
      score += 3;
      reasons.push(`industry:${industryHit}`);
    }
    const personaHit = persona?.words.find((w) => mentions(text, w));
    if (persona && personaHit) {
      score += 2;
      reasons.push(`persona:${persona.persona}`);
    }
    let threadHits = 0;
    for (const w of threadWords) {
      if (threadHits >= 4) break;
      if (mentions(text, w)) {
        threadHits++;
        reasons.push(`thread:${w}`);
      }
    }
    score += threadHits;
    if (score === 0) continue;
    const modified = f.modifiedTime?.getTime() ?? 0;
    if (modified && context.now.getTime() - modified <= 180 * 86_400_000) score += 0.5;
    ranked.push({ fileId: f.id, name: f.name, url: f.webViewLink, mimeType: f.mimeType, score, reasons, modified });
  }
  return ranked
    .sort((a, b) => b.score - a.score || b.modified - a.modified || a.name.localeCompare(b.name))
    .map(({ modified: _m, ...r }) => r);
}

/** A cited asset as a draft records it (Draft.citedAssets). */
export interface CitedAsset {
  fileId: string;
  name: string;
  url: string;
}

/** The cited assets stored on a draft (anything malformed is ignored, so it can never widen the gate). */
export function citedAssetsOf(stored: unknown): CitedAsset[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((a) => {
    const v = a as Partial<CitedAsset> | null;
    return v && typeof v.fileId === "string" && typeof v.name === "string" && typeof v.url === "string" && /^https:\/\//.test(v.url) ? [{ fileId: v.fileId, name: v.name, url: v.url }] : [];
  });
}
