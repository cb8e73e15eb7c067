// The Drive adapter with the real @googleapis/drive SDK against the
// wire-level fake: searches only inside allowlisted folders / shared drives
// (refused in the adapter before Google is asked, and by the domain rule),
// never returns a file outside them or one the rep cannot read, and pages.
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driveQueryLiteral, fileAllowed, folderScope } from "../../../src/domain/draft/asset.js";
import { createDriveClient } from "../../../src/integrations/google/drive.js";
import { AssetNotAllowedError } from "../../../src/integrations/google/errors.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";

const REP = "rep@seller.example";
let google: FakeGoogle;
let auth: OAuth2Client;
let allowed: string;
let shared: string;
let secret: string;

beforeAll(async () => {
  google = await startFakeGoogle();
  google.addToken("tok-rep", REP);
  auth = new OAuth2Client();
  auth.setCredentials({ access_token: "tok-rep", expiry_date: Date.now() + 3_600_000 });
  allowed = google.drive.addFolder("Sales collateral").id;
  shared = google.drive.addFolder("Case studies", { driveId: "0AsharedDrive" }).id;
  secret = google.drive.addFolder("Board").id;
  google.drive.addFile(allowed, { name: "Pricing overview.pdf", content: "pricing for manufacturing teams" });
  google.drive.addFile(allowed, { name: "Security whitepaper.pdf", content: "SOC 2 and ISO 27001" });
  google.drive.addFile(allowed, { name: "Old deck.pdf", content: "pricing", trashed: true });
  google.drive.addFile(allowed, { name: "Rep cannot read.pdf", content: "pricing", readers: ["ceo@seller.example"] });
  google.drive.addFile(shared, { name: "Manufacturing case study.pdf", content: "manufacturing pricing results" });
  google.drive.addFile(secret, { name: "Board pricing.pdf", content: "pricing confidential" });
});

afterAll(async () => {
  await google.close();
});

describe("the allowlist rule (domain)", () => {
  it("scopes to the allowlist, refuses anything outside it and an empty allowlist", () => {
    expect(folderScope(["a", "b"])).toEqual({ ok: true, folderIds: ["a", "b"] });
    expect(folderScope(["a", "b"], ["b"])).toEqual({ ok: true, folderIds: ["b"] });
    expect(folderScope(["a", "b"], ["b", "c"])).toEqual({ ok: false, reason: "FOLDER_NOT_ALLOWED", refused: ["c"] });
    expect(folderScope([], ["a"])).toEqual({ ok: false, reason: "NO_ALLOWLIST", refused: ["a"] });
    expect(folderScope(["", "  "])).toMatchObject({ ok: false, reason: "NO_ALLOWLIST" });
    expect(fileAllowed(["x", "a"], ["a"])).toBe(true);
    expect(fileAllowed(["x"], ["a"])).toBe(false);
    expect(fileAllowed(null, ["a"])).toBe(false);
    expect(driveQueryLiteral("it's a \\ test")).toBe("'it\\'s a \\\\ test'");
  });
});

describe("search", () => {
  it("finds files in allowlisted folders and shared drives only, never trashed or unreadable ones", async () => {
    const client = createDriveClient({ auth, rootUrl: google.rootUrl, allowedFolderIds: [allowed, shared] });
    const { files } = await client.search({ text: "pricing" });
    expect(files.map((f) => f.name).sort()).toEqual(["Manufacturing case study.pdf", "Pricing overview.pdf"]);
    expect(files.every((f) => f.webViewLink?.startsWith("https://drive.google.com/"))).toBe(true);
    const q = google.drive.listQueries.at(-1)!;
    expect(q).toContain(`'${allowed}' in parents`);
    expect(q).toContain(`'${shared}' in parents`);
    expect(q).not.toContain(secret);
  });

  it("a folder outside the allowlist is refused before Google is asked", async () => {
    const client = createDriveClient({ auth, rootUrl: google.rootUrl, allowedFolderIds: [allowed] });
    const before = google.drive.listQueries.length;
    const error = await client.search({ folderIds: [secret], text: "pricing" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssetNotAllowedError);
    expect(error).toMatchObject({ reason: "FOLDER_NOT_ALLOWED", ids: [secret] });
    const none = createDriveClient({ auth, rootUrl: google.rootUrl, allowedFolderIds: [] });
    await expect(none.search({ text: "pricing" })).rejects.toMatchObject({ reason: "NO_ALLOWLIST" });
    expect(google.drive.listQueries.length).toBe(before);
  });

  it("a query that tries to widen the scope is a literal, not an operator", async () => {
    const client = createDriveClient({ auth, rootUrl: google.rootUrl, allowedFolderIds: [allowed] });
    const { files } = await client.search({ text: `x' or '${secret}' in parents or name contains '` });
    expect(files).toEqual([]);
    expect(google.drive.listQueries.at(-1)).toContain("fullText contains 'x\\' or \\'");
  });

  it("pages", async () => {
    const many = google.drive.addFolder("Many");
    for (let i = 0; i < 5; i++) google.drive.addFile(many.id, { name: `Doc ${i}.pdf` });
    const client = createDriveClient({ auth, rootUrl: google.rootUrl, allowedFolderIds: [many.id] });
    const first = await client.search({ pageSize: 3 });
    expect(first.files).toHaveLength(3);
    const second = await client.search({ pageSize: 3, pageToken: first.nextPageToken });
    expect(second.files).toHaveLength(2);
    expect(second.nextPageToken).toBeNull();
  });
});

describe("get", () => {
  it("returns an allowlisted file, refuses one outside, null for unknown", async () => {
    const client = createDriveClient({ auth, rootUrl: google.rootUrl, allowedFolderIds: [allowed, shared] });
    const inShared = [...google.drive.files.values()].find((f) => f.name === "Manufacturing case study.pdf")!;
    expect(await client.get(inShared.id)).toMatchObject({ name: "Manufacturing case study.pdf", parents: [shared] });
    const board = [...google.drive.files.values()].find((f) => f.name === "Board pricing.pdf")!;
    await expect(client.get(board.id)).rejects.toMatchObject({ reason: "FILE_NOT_ALLOWED" });
    expect(await client.get("filUnknown")).toBeNull();
  });
});
