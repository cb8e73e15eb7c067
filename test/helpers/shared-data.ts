// The one place tests find the data sets that live beside the repository,
// in ../shared/data (public corpora we do not redistribute: the inbound-email
// corpus, the Parakweet request-detection training file). SHARED_DATA_DIR
// overrides the location.
//
// A fresh clone has no ../shared: tests that need it are skipped with the
// reason (`describe.skipIf(!sharedData.dir)(withSharedData("…"), …)`), and the
// same behaviours are covered by the project's own fixtures under
// test/fixtures/. Under CI=true a missing ../shared/data fails the run
// (checked in test/setup/global-setup.ts, as for Redis).
import { existsSync } from "node:fs";
import path from "node:path";

export interface SharedData {
  /** The data directory, or null when it is absent. */
  dir: string | null;
  /** Where it was looked for, and how to provide it; for skip and failure messages. */
  reason: string;
}

/** Subdirectories the tests read; the directory counts as present only when they all exist. */
const REQUIRED = ["inbound-email", "email-intent"];

export function locateSharedData(env: NodeJS.ProcessEnv = process.env): SharedData {
  const dir = path.resolve(env.SHARED_DATA_DIR ?? path.join(import.meta.dirname, "../../../shared/data"));
  const missing = REQUIRED.filter((sub) => !existsSync(path.join(dir, sub)));
  if (missing.length === 0) return { dir, reason: "" };
  return {
    dir: null,
    reason: `no shared data at ${dir} (missing ${missing.join(", ")}; put the data sets in ../shared/data beside the repository or set SHARED_DATA_DIR)`,
  };
}

export const sharedData: SharedData = locateSharedData();

/** A path inside the shared data directory; only call it in tests that are skipped when the data is absent. */
export function sharedDataPath(...parts: string[]): string {
  if (!sharedData.dir) throw new Error(`this test needs the shared data: ${sharedData.reason}`);
  return path.join(sharedData.dir, ...parts);
}

/** A describe/it title that says why it was skipped, when it is. */
export function withSharedData(title: string): string {
  return sharedData.dir ? title : `${title} (skipped: ${sharedData.reason})`;
}

/** A file of the project's own fixtures (test/fixtures/…), present in every clone. */
export function fixturePath(...parts: string[]): string {
  return path.join(import.meta.dirname, "../fixtures", ...parts);
}
