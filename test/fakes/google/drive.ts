// Wire-level fake of the Google Drive API v3 paths we use:
//   GET drive/v3/files            q, pageSize, pageToken, fields, corpora, driveId, includeItemsFromAllDrives, supportsAllDrives, orderBy
//   GET drive/v3/files/{fileId}   fields, supportsAllDrives
// The q grammar covers what a folder-scoped search needs: `'<id>' in parents`,
// `name contains '…'`, `fullText contains '…'`, `mimeType = '…'` / `!=`,
// `trashed = true|false`, joined with and/or/not and parentheses; anything
// else is Google's 400 "Invalid Value" on q. A file is visible only to the
// accounts in its readers (null: the whole domain); files on a shared drive
// need supportsAllDrives (get) or includeItemsFromAllDrives (list).
import { randomBytes } from "node:crypto";
import { googleError, offsetOf, pageToken, sendJson, type RequestContext, type RouteModule } from "./common.js";

export const FOLDER = "application/vnd.google-apps.folder";

export interface FakeDriveFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  driveId: string | null;
  description: string | null;
  /** Searched by fullText contains. */
  content: string;
  trashed: boolean;
  modifiedTime: string;
  /** Who may read it (lower-case e-mails); null: everyone. */
  readers: string[] | null;
}

export interface FakeDrive {
  readonly files: Map<string, FakeDriveFile>;
  addFolder(name: string, options?: { id?: string; parent?: string; driveId?: string | null; readers?: string[] | null }): FakeDriveFile;
  addFile(parent: string, input: { name: string; mimeType?: string; content?: string; description?: string; readers?: string[] | null; trashed?: boolean; modifiedTime?: string }): FakeDriveFile;
  /** files.list requests received (the q of each), so tests can check what the adapter asked. */
  readonly listQueries: string[];
}

export function createFakeDrive(): FakeDrive {
  const files = new Map<string, FakeDriveFile>();
  const fake: FakeDrive = {
    files,
    listQueries: [],
    addFolder(name, options = {}) {
      const parent = options.parent ? files.get(options.parent) : undefined;
      const f: FakeDriveFile = {
        id: options.id ?? `fld${randomBytes(10).toString("hex")}`,
        name,
        mimeType: FOLDER,
        parents: options.parent ? [options.parent] : [],
        driveId: options.driveId ?? parent?.driveId ?? null,
        description: null,
        content: "",
        trashed: false,
        modifiedTime: new Date().toISOString(),
        readers: options.readers ?? null,
      };
      files.set(f.id, f);
      return f;
    },
    addFile(parent, input) {
      const folder = files.get(parent);
      const f: FakeDriveFile = {
        id: `fil${randomBytes(10).toString("hex")}`,
        name: input.name,
        mimeType: input.mimeType ?? "application/pdf",
        parents: [parent],
        driveId: folder?.driveId ?? null,
        description: input.description ?? null,
        content: input.content ?? "",
        trashed: input.trashed ?? false,
        modifiedTime: input.modifiedTime ?? new Date().toISOString(),
        readers: input.readers !== undefined ? input.readers : (folder?.readers ?? null),
      };
      files.set(f.id, f);
      return f;
    },
  };
  return fake;
}

// ---- q parser -----------------------------------------------------------------------

type Pred = (f: FakeDriveFile) => boolean;

function parseQuery(q: string): Pred | null {
  const toks = q.match(/'(?:[^'\\]|\\.)*'|\(|\)|!=|=|[^\s()=!']+/g) ?? [];
  let i = 0;
  const peek = () => toks[i]?.toLowerCase();
  const str = (t: string | undefined) => (t && /^'.*'$/.test(t) ? t.slice(1, -1).replace(/\\(.)/g, "$1") : null);
  function term(): Pred {
    if (peek() === "not") {
      i++;
      const p = term();
      return (f) => !p(f);
    }
    if (peek() === "(") {
      i++;
      const p = or();
      if (toks[i++] !== ")") throw new Error("paren");
      return p;
    }
    const a = toks[i++];
    const op = toks[i++]?.toLowerCase();
    const b = toks[i++];
    const sa = str(a);
    if (sa !== null && op === "in" && b === "parents") return (f) => f.parents.includes(sa);
    const value = str(b);
    const field = a?.toLowerCase();
    if (field === "trashed" && op === "=" && (b === "true" || b === "false")) return (f) => f.trashed === (b === "true");
    if (value === null) throw new Error("value");
    const v = value.toLowerCase();
    if (field === "name" && op === "contains") return (f) => f.name.toLowerCase().includes(v);
    if (field === "name" && op === "=") return (f) => f.name === value;
    if (field === "fulltext" && op === "contains") return (f) => `${f.name} ${f.description ?? ""} ${f.content}`.toLowerCase().includes(v);
    if (field === "mimetype" && op === "=") return (f) => f.mimeType === value;
    if (field === "mimetype" && op === "!=") return (f) => f.mimeType !== value;
    throw new Error("term");
  }
  function and(): Pred {
    let p = term();
    while (peek() === "and") {
      i++;
      const l = p;
      const r = term();
      p = (f) => l(f) && r(f);
    }
    return p;
  }
  function or(): Pred {
    let p = and();
    while (peek() === "or") {
      i++;
      const l = p;
      const r = and();
      p = (f) => l(f) || r(f);
    }
    return p;
  }
  if (!q.trim()) return () => true;
  try {
    const p = or();
    return i === toks.length ? p : null;
  } catch {
    return null;
  }
}

// ---- fields --------------------------------------------------------------------------

/** "nextPageToken, files(id,name)" → { top: [...], files: [...] | null }; "*" → everything. */
function parseFields(fields: string | null): { top: Set<string> | null; file: Set<string> | null } {
  if (!fields || fields.trim() === "*") return { top: null, file: null };
  const top = new Set<string>();
  let file: Set<string> | null = null;
  for (const m of fields.matchAll(/([A-Za-z]+)(?:\(([^)]*)\))?/g)) {
    top.add(m[1]!);
    if (m[2] !== undefined) file = new Set(m[2].split(",").map((s) => s.trim()).filter(Boolean));
  }
  return { top, file: file && !file.has("*") ? file : null };
}

function fileResource(f: FakeDriveFile) {
  return {
    kind: "drive#file",
    id: f.id,
    name: f.name,
    mimeType: f.mimeType,
    parents: f.parents,
    ...(f.driveId ? { driveId: f.driveId } : {}),
    ...(f.description ? { description: f.description } : {}),
    trashed: f.trashed,
    modifiedTime: f.modifiedTime,
    webViewLink: f.mimeType === FOLDER ? `https://drive.google.com/drive/folders/${f.id}` : `https://drive.google.com/file/d/${f.id}/view?usp=drivesdk`,
  };
}

const DEFAULT_FILE = new Set(["kind", "id", "name", "mimeType"]);

function shape(f: FakeDriveFile, wanted: Set<string> | null, isDefault: boolean) {
  const full = fileResource(f) as Record<string, unknown>;
  const keys = wanted ?? (isDefault ? DEFAULT_FILE : null);
  if (!keys) return full;
  return Object.fromEntries(Object.entries(full).filter(([k]) => keys.has(k)));
}

export function driveRoutes(fake: FakeDrive): RouteModule {
  const readable = (f: FakeDriveFile, email: string) => f.readers === null || f.readers.includes(email);
  return async (ctx: RequestContext) => {
    const { req, res, url } = ctx;
    if (req.method !== "GET") return false;
    const q = url.searchParams;
    if (url.pathname === "/drive/v3/files") {
      const query = q.get("q") ?? "";
      fake.listQueries.push(query);
      const pred = parseQuery(query);
      if (!pred) return googleError(res, 400, "Invalid Value", { reason: "invalid", location: "q" });
      const driveId = q.get("driveId");
      const corpora = q.get("corpora") ?? (driveId ? "drive" : "user");
      const allDrives = q.get("includeItemsFromAllDrives") === "true";
      if (driveId && (corpora !== "drive" || !allDrives || q.get("supportsAllDrives") !== "true")) {
        return googleError(res, 403, "The includeItemsFromAllDrives parameter must be set to true when driveId is specified.", { reason: "teamDriveIncludeItemsFromAllDrivesRequired" });
      }
      if (corpora === "drive" && !driveId) return googleError(res, 400, "The driveId parameter must be specified if and only if corpora is set to drive.", { reason: "invalid", location: "driveId" });
      const pageSize = Math.min(Number(q.get("pageSize") ?? 100) || 100, 1000);
      const offset = offsetOf(q.get("pageToken"));
      if (offset === null) return googleError(res, 400, "Invalid Value", { reason: "invalid", location: "pageToken" });
      const all = [...fake.files.values()]
        .filter((f) => readable(f, ctx.email) && (driveId ? f.driveId === driveId : allDrives || f.driveId === null) && pred(f))
        .sort((a, b) => (q.get("orderBy")?.startsWith("modifiedTime") ? b.modifiedTime.localeCompare(a.modifiedTime) : a.name.localeCompare(b.name)));
      const page = all.slice(offset, offset + pageSize);
      const fields = parseFields(q.get("fields"));
      const body: Record<string, unknown> = {
        kind: "drive#fileList",
        incompleteSearch: false,
        files: page.map((f) => shape(f, fields.file, false)),
        ...(offset + pageSize < all.length ? { nextPageToken: pageToken(offset + pageSize) } : {}),
      };
      if (q.get("fields") === null) (body.files as unknown[]) = page.map((f) => shape(f, null, true));
      const out = fields.top ? Object.fromEntries(Object.entries(body).filter(([k]) => fields.top!.has(k))) : body;
      return sendJson(res, 200, out);
    }
    const m = /^\/drive\/v3\/files\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const fileId = decodeURIComponent(m[1]!);
      const f = fake.files.get(fileId);
      if (!f || !readable(f, ctx.email) || (f.driveId && q.get("supportsAllDrives") !== "true")) {
        return googleError(res, 404, `File not found: ${fileId}.`, { reason: "notFound", location: "fileId" });
      }
      const fields = q.get("fields");
      const wanted = fields && fields.trim() !== "*" ? new Set(fields.split(",").map((s) => s.trim())) : null;
      return sendJson(res, 200, shape(f, wanted, fields === null));
    }
    return false;
  };
}
