// Google Drive through @googleapis/drive, behind our DriveClient: search and
// read files only inside the tenant's allowlisted folders / shared drives.
// The allowlist is enforced twice: the domain rule (domain/asset.ts) refuses
// a folder outside it before Google is asked, and every file Google returns
// is checked again by its parents (a query can never widen the scope).
import { lazyRequire } from "../../config/lazy-require.js";
import { driveQueryLiteral, fileAllowed, folderScope } from "../../domain/draft/asset.js";
import { AssetNotAllowedError, GoogleApiError, googleCall } from "./errors.js";
import type { GoogleClientOptions } from "./gmail.js";

const driveApi = lazyRequire<typeof import("@googleapis/drive")>("@googleapis/drive");

export interface DriveFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  webViewLink: string | null;
  modifiedTime: Date | null;
  description: string | null;
}

export interface DriveSearchInput {
  /** A subset of the allowlist (default: all of it). */
  folderIds?: string[];
  /** Full-text words to look for. */
  text?: string | null;
  pageSize?: number;
  pageToken?: string | null;
}

export interface DriveClient {
  /** Throws AssetNotAllowedError for a folder outside the allowlist (or no allowlist). */
  search(input?: DriveSearchInput): Promise<{ files: DriveFile[]; nextPageToken: string | null }>;
  /** A file by id, only when it lies in an allowlisted folder (else AssetNotAllowedError; unknown or unreadable: null). */
  get(fileId: string): Promise<DriveFile | null>;
}

const FIELDS = "id,name,mimeType,parents,webViewLink,modifiedTime,description";

function toFile(f: { id?: string | null; name?: string | null; mimeType?: string | null; parents?: string[] | null; webViewLink?: string | null; modifiedTime?: string | null; description?: string | null }): DriveFile {
  const modified = f.modifiedTime ? Date.parse(f.modifiedTime) : NaN;
  return {
    id: f.id ?? "",
    name: f.name ?? "",
    mimeType: f.mimeType ?? "",
    parents: f.parents ?? [],
    webViewLink: f.webViewLink ?? null,
    modifiedTime: Number.isNaN(modified) ? null : new Date(modified),
    description: f.description ?? null,
  };
}

export function createDriveClient(options: GoogleClientOptions & { allowedFolderIds: readonly string[] }): DriveClient {
  const api = driveApi().drive({ version: "v3", auth: options.auth, retry: false, ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}) });
  const call = { signal: options.signal } as const;
  const allowlist = [...options.allowedFolderIds];
  return {
    async search(input = {}) {
      const scope = folderScope(allowlist, input.folderIds);
      if (!scope.ok) throw new AssetNotAllowedError(scope.reason, scope.refused);
      const clauses = [`(${scope.folderIds.map((id) => `${driveQueryLiteral(id)} in parents`).join(" or ")})`, "trashed = false", "mimeType != 'application/vnd.google-apps.folder'"];
      const text = input.text?.trim();
      if (text) clauses.push(`fullText contains ${driveQueryLiteral(text.slice(0, 200))}`);
      const res = await googleCall("files.list", () =>
        api.files.list(
          {
            q: clauses.join(" and "),
            corpora: "allDrives",
            includeItemsFromAllDrives: true,
            supportsAllDrives: true,
            pageSize: Math.min(Math.max(input.pageSize ?? 25, 1), 100),
            pageToken: input.pageToken ?? undefined,
            fields: `nextPageToken,files(${FIELDS})`,
          },
          call,
        ),
      );
      const files = (res.data.files ?? []).map(toFile).filter((f) => fileAllowed(f.parents, scope.folderIds));
      return { files, nextPageToken: res.data.nextPageToken ?? null };
    },
    async get(fileId) {
      if (folderScope(allowlist).ok === false) throw new AssetNotAllowedError("NO_ALLOWLIST", [fileId]);
      try {
        const res = await googleCall("files.get", () => api.files.get({ fileId, supportsAllDrives: true, fields: FIELDS }, call));
        const file = toFile(res.data);
        if (!fileAllowed(file.parents, allowlist)) throw new AssetNotAllowedError("FILE_NOT_ALLOWED", [fileId]);
        return file;
      } catch (error) {
        if (error instanceof GoogleApiError && error.status === 404) return null;
        throw error;
      }
    },
  };
}
