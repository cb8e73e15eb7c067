// Builds the operator console (web/ → web/dist) with Vite, after generating its
// typed documents from schema.graphql (codegen.ts). With --if-stale it does
// nothing when web/dist was built from the same sources (a hash of web/src,
// web/index.html, the Vite config, schema.graphql, codegen.ts and the
// dependency versions, kept in web/dist/.build-hash), so `npm start` stays fast.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const web = path.join(root, "web");
const dist = path.join(web, "dist");
const stamp = path.join(dist, ".build-hash");

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full === path.join(web, "src", "gql")) continue; // generated from the inputs below
      out.push(...filesUnder(full));
    } else out.push(full);
  }
  return out.sort();
}

export function consoleSourceHash() {
  const hash = createHash("sha256");
  // The versions of what the console is built from (a server dependency added elsewhere does not rebuild it).
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const versions = { ...pkg.dependencies, ...pkg.devDependencies };
  const used = Object.keys(versions).filter((name) => /^(react|react-dom|vite|@vitejs\/|urql$|@urql\/|echarts$|graphql$|graphql-ws$|@graphql-codegen\/)/.test(name));
  hash.update(JSON.stringify(used.sort().map((name) => [name, versions[name]])));
  const inputs = [
    ...filesUnder(path.join(web, "src")),
    path.join(web, "index.html"),
    path.join(web, "vite.config.ts"),
    path.join(root, "schema.graphql"),
    path.join(root, "codegen.ts"),
    fileURLToPath(import.meta.url),
  ];
  for (const file of inputs) {
    hash.update(path.relative(root, file));
    hash.update(readFileSync(file));
  }
  return hash.digest("hex");
}

export function consoleBuildIsFresh() {
  return existsSync(path.join(dist, "index.html")) && existsSync(stamp) && readFileSync(stamp, "utf8") === consoleSourceHash();
}

export async function buildConsole({ log = (m) => process.stdout.write(m + "\n") } = {}) {
  const started = Date.now();
  log("Building the console (web/ → web/dist)…");
  try {
    execFileSync(process.execPath, [path.join(root, "node_modules/@graphql-codegen/cli/esm/bin.js"), "--config", "codegen.ts", "--silent"], {
      cwd: root,
      stdio: "pipe",
    });
  } catch (error) {
    throw new Error(`codegen failed:\n${error.stdout ?? ""}${error.stderr ?? ""}`);
  }
  const hash = consoleSourceHash();
  // A production build whatever the caller runs in (vitest sets NODE_ENV=test, which would bundle React's development build).
  process.env.NODE_ENV = "production";
  const { build } = await import("vite");
  await build({ configFile: path.join(web, "vite.config.ts"), logLevel: "warn", mode: "production" });
  writeFileSync(stamp, hash);
  const size = readdirSync(path.join(dist, "assets")).reduce((n, f) => n + statSync(path.join(dist, "assets", f)).size, 0);
  log(`Console built in ${((Date.now() - started) / 1000).toFixed(1)} s (${Math.round(size / 1024)} KiB of assets).`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes("--if-stale");
  if (ifStale && consoleBuildIsFresh()) process.exit(0);
  buildConsole().catch((error) => {
    process.stderr.write(`Console build failed: ${error?.stack ?? error}\n`);
    // From `npm start` (--if-stale): the service still starts (without development
    // dependencies, e.g. \`npm ci --omit=dev\`, codegen is missing); / then says the console is not built.
    if (ifStale) process.stderr.write("The service starts without a fresh console build; run `npm run console:build` to see why.\n");
    process.exit(ifStale ? 0 : 1);
  });
}
