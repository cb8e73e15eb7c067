// Generates the Prisma client, the Pothos types and the data-model JSON from
// prisma/schema.prisma, when the schema changed since the last run.
// PRISMA_SCHEMA_ENGINE_BINARY=/dev/null: `prisma generate` needs no schema
// engine, and must not try to download one (see README "Offline").
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";

const schema = readFileSync("prisma/schema.prisma", "utf8") + readFileSync("prisma/datamodel-generator.cjs", "utf8");
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const hash = createHash("sha256").update(schema).update(JSON.stringify(pkg.devDependencies)).update(JSON.stringify(pkg.dependencies)).digest("hex");
const stamp = "src/generated/.schema-hash";
if (existsSync(stamp) && readFileSync(stamp, "utf8") === hash && existsSync("src/generated/prisma/client.ts")) process.exit(0);

try {
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "generate"], {
    stdio: "pipe",
    env: {
      ...process.env,
      // The generators (prisma-pothos-types) are found on node_modules/.bin.
      PATH: `${path.resolve("node_modules/.bin")}${path.delimiter}${process.env.PATH ?? ""}`,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? "/dev/null",
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
    },
  });
} catch (error) {
  process.stderr.write(`prisma generate failed:\n${error.stdout ?? ""}${error.stderr ?? ""}\n`);
  process.exit(1);
}
mkdirSync("src/generated", { recursive: true });
writeFileSync(stamp, hash);
