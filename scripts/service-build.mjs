// Bundles the service (src/main.ts and everything it imports from src/) into one
// ES module, dist/service/main.mjs, with esbuild; dependencies stay in node_modules.
// `npm start` runs that file with plain Node: no TypeScript transform at start-up
// and no loader thread, which saves seconds of start-up and ~60 MB of resident
// memory against running the sources through tsx (bench/RESULTS.md, issue 14).
// Tests and `npm run dev` still run the sources. With --if-stale it does nothing
// when the bundle was built from the same sources (a hash in dist/service/.build-hash).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const src = path.join(root, "src");
export const SERVICE_BUNDLE = path.join(root, "dist", "service", "main.mjs");
const stamp = path.join(path.dirname(SERVICE_BUNDLE), ".build-hash");

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out.sort();
}

/** A hash of what the bundle is made of: the sources (generated ones included), the locked dependency versions and this script. */
export function serviceSourceHash() {
  const hash = createHash("sha256");
  for (const file of [...filesUnder(src), path.join(root, "package-lock.json"), path.join(root, "tsconfig.json"), fileURLToPath(import.meta.url)]) {
    hash.update(path.relative(root, file));
    hash.update(readFileSync(file));
  }
  return hash.digest("hex");
}

export function serviceBuildIsFresh() {
  return existsSync(SERVICE_BUNDLE) && existsSync(stamp) && readFileSync(stamp, "utf8") === serviceSourceHash();
}

/** Builds `entry` (a file under src/) into `outfile`. */
export async function buildService({ entry = path.join(src, "main.ts"), outfile = SERVICE_BUNDLE, log = (m) => process.stdout.write(m + "\n") } = {}) {
  const started = Date.now();
  const hash = outfile === SERVICE_BUNDLE ? serviceSourceHash() : null;
  const { build } = await import("esbuild");
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Dependencies load from node_modules as they do under tsx (native addons, files they read beside themselves).
    packages: "external",
    tsconfig: path.join(root, "tsconfig.json"),
    // Stack traces in logs name the source file and line with NODE_OPTIONS=--enable-source-maps.
    sourcemap: "linked",
    keepNames: true,
    logLevel: "warning",
  });
  if (hash) writeFileSync(stamp, hash);
  log(`Service built in ${((Date.now() - started) / 1000).toFixed(1)} s (${path.relative(root, outfile)}).`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // --outfile FILE: a bundle elsewhere (tests build their own, so parallel runs never share one file).
  const at = process.argv.indexOf("--outfile");
  const outfile = at > 0 ? path.resolve(process.argv[at + 1]) : SERVICE_BUNDLE;
  if (outfile === SERVICE_BUNDLE && process.argv.includes("--if-stale") && serviceBuildIsFresh()) process.exit(0);
  buildService({ outfile }).catch((error) => {
    process.stderr.write(`Service build failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
