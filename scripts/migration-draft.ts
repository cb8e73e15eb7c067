// Drafts a migration for what prisma/schema.prisma has and the migrations do
// not: applies the existing migrations to a scratch database, compares, and
// writes prisma/migrations/<timestamp>_<name>/migration.sql for review.
//   npm run migration:draft -- <name>
// Needs DATABASE_URL (an owner/superuser connection to any database on the
// server) or starts the embedded PostgreSQL.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../src/data/embedded-postgres.js";
import { migrate, MIGRATIONS_DIR } from "../src/data/migrate.js";
import { actualShape, expectedShape, missingSql, type Datamodel } from "./datamodel-sql.js";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write("usage: npm run migration:draft -- <snake_case_name>\n");
  process.exit(2);
}
const embedded = process.env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: ".data/draft-postgres", port: 54349 });
const baseUrl = process.env.DATABASE_URL ?? embedded!.ownerUrl;
const scratch = `migration_draft_${Date.now()}`;
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${scratch}"`);
const scratchUrl = new URL(baseUrl);
scratchUrl.pathname = `/${scratch}`;
try {
  await migrate({ ownerUrl: scratchUrl.toString() });
  const client = new pg.Client({ connectionString: scratchUrl.toString() });
  await client.connect();
  const actual = await actualShape(client);
  await client.end();
  const datamodel = JSON.parse(readFileSync("src/generated/datamodel.json", "utf8")) as Datamodel;
  const sql = missingSql(expectedShape(datamodel), actual);
  if (!sql.trim()) {
    process.stdout.write("The migrations already match prisma/schema.prisma.\n");
  } else {
    const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
    const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), `-- ${name}\n\n${sql}`);
    process.stdout.write(`Wrote ${path.relative(process.cwd(), dir)}/migration.sql — review it, add grants/policies for anything special.\n`);
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
  await admin.end();
  await embedded?.stop();
}
