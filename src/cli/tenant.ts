// `npm run tenant -- <command>`: platform administration for operators
// without the API. The same use cases as tenantCreate / tenantSuspend /
// tenantResume / tenants (src/orchestration/tenant/tenant-lifecycle.ts), run as the
// service role against DATABASE_URL's database, audited as
// "platform:cli:<OS user>".
//
//   create --name "Acme Sales" --slug acme --owner owner@acme.example [--owner-name "Olivia"]
//          prints the owner's sign-in token (when this server signs tokens)
//   suspend --tenant <slug|id> --reason "unpaid invoice"
//   resume --tenant <slug|id>
//   list
//   admin-token --subject <subject> [--hours 12]
//          a platform-admin token for a subject listed in PLATFORM_ADMIN_SUBJECTS
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, type Config } from "../config/index.js";
import { connectDatabase } from "../data/database.js";
import { startJobQueue } from "../data/job-queue.js";
import { appUrlFromOwnerUrl } from "../data/migrate.js";
import type { UserError } from "../domain/user-error.js";
import { createLogger } from "../observability/logger.js";
import { createPlatformIdentity, type PlatformAdmin } from "../orchestration/access/platform-admin.js";
import type { Services } from "../orchestration/services.js";
import { createTenant, listTenants, resumeTenant, suspendTenant, tenantCreateSchema, tenantSuspendSchema } from "../orchestration/tenant/tenant-lifecycle.js";

const USAGE = `Usage: npm run tenant -- <command> [options]
  create --name <name> --slug <slug> --owner <email> [--owner-name <name>]
  suspend --tenant <slug|id> --reason <text>
  resume --tenant <slug|id>
  list
  admin-token --subject <subject> [--hours <n>]`;

const OWNER_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

// This CLI does not import the service's composition root (src/app.ts, which
// loads every integration): it resolves the database and the JWT secret the
// same way, in the few lines below, and starts in a fraction of the time.

/** As app.ts resolveJwtSecret: JWT_SECRET, or outside production the secret kept in the data folder. */
async function jwtSecretOf(config: Config): Promise<string | undefined> {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  if (config.NODE_ENV === "production") return undefined;
  const file = path.join(config.DATA_DIR, "jwt-secret");
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  await mkdir(config.DATA_DIR, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  await writeFile(file, secret + "\n", { mode: 0o600 });
  return secret;
}

/** As app.ts prepareDatabase, without migrating (the service, or npm run db:migrate, does that). */
async function databaseOf(config: Config, log: (line: string) => void) {
  let ownerUrl = config.DATABASE_URL;
  let stop = async () => {};
  if (!ownerUrl) {
    const { startEmbeddedPostgres } = await import("../data/embedded-postgres.js");
    const embedded = await startEmbeddedPostgres({ dataDir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT, log });
    ownerUrl = embedded.ownerUrl;
    stop = () => embedded.stop();
  }
  // The development password is app.ts's DEVELOPMENT_APP_PASSWORD (outside production only).
  const appUrl = config.DATABASE_APP_URL ?? appUrlFromOwnerUrl(ownerUrl, config.DATABASE_APP_PASSWORD ?? "sales_app_local_only");
  return { appUrl, stop };
}

class CliError extends Error {}

function explain(errors: UserError[]): never {
  throw new CliError(errors.map((e) => `${e.field.length ? `${e.field.slice(1).join(".")}: ` : ""}${e.message} (${e.code})`).join("\n"));
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: "string" },
      slug: { type: "string" },
      owner: { type: "string" },
      "owner-name": { type: "string" },
      tenant: { type: "string" },
      reason: { type: "string" },
      subject: { type: "string" },
      hours: { type: "string" },
    },
    strict: true,
  });
  if (!command || !["create", "suspend", "resume", "list", "admin-token"].includes(command)) throw new CliError(USAGE);

  const config: Config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL);
  const jwtSecret = await jwtSecretOf(config);
  const identity = createPlatformIdentity({ config, jwtSecret });

  if (command === "admin-token") {
    if (!values.subject) throw new CliError("admin-token needs --subject (one of PLATFORM_ADMIN_SUBJECTS).");
    if (!identity.canIssueTokens) throw new CliError("No JWT_SECRET: platform-admin tokens come from your identity provider.");
    const hours = Number(values.hours ?? 12);
    if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 30) throw new CliError("--hours must be a whole number from 1 to 720.");
    const token = await identity.issuePlatformToken(values.subject, hours * 3600).catch((e: Error) => {
      throw new CliError(e.message);
    });
    process.stdout.write(`Platform-admin token for ${values.subject} (valid ${hours} h):\n  Authorization: Bearer ${token}\n`);
    return;
  }

  const database = await databaseOf(config, (line) => logger.debug(line));
  const db = connectDatabase({ url: database.appUrl, poolMax: 2, applicationName: "sales-agent-cli" });
  const jobs = command === "resume" ? await startJobQueue(database.appUrl, { logger, supervise: false, schedule: false }) : null;
  // The use cases need the database (and, to re-queue held sends, the job queue); nothing else is started.
  const services = { config, db, jobs, logger, platform: identity } as unknown as Services;
  const admin: PlatformAdmin = { subject: `cli:${userInfo().username}`, label: `platform:cli:${userInfo().username}` };
  const meta = { requestId: `cli-${Date.now()}`, traceId: null };
  const out = (line = "") => process.stdout.write(`${line}\n`);
  try {
    const tenantIdOf = async (ref: string | undefined): Promise<string> => {
      if (!ref) throw new CliError(`${command} needs --tenant <slug|id>.`);
      for (let offset = 0; ; offset += 500) {
        const page = await listTenants(services, { limit: 500, offset });
        const found = page.find((t) => t.id === ref || t.slug === ref);
        if (found) return found.id;
        if (page.length < 500) throw new CliError(`No tenant with the slug or id "${ref}".`);
      }
    };

    if (command === "create") {
      const parsed = tenantCreateSchema.safeParse({ name: values.name, slug: values.slug, ownerEmail: values.owner, ownerName: values["owner-name"] });
      if (!parsed.success) throw new CliError(`${parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n")}\n\n${USAGE}`);
      const created = await createTenant(services, admin, meta, parsed.data);
      if (!created.ok) explain(created.errors);
      out(`Tenant "${parsed.data.name}" created: slug ${parsed.data.slug}, id ${created.value.tenantId}.`);
      out(`Owner: ${parsed.data.ownerEmail} (user id ${created.value.ownerUserId}).`);
      if (identity.canIssueTokens) {
        const token = await identity.issueUserToken({ userId: created.value.ownerUserId, tenantId: created.value.tenantId }, OWNER_TOKEN_TTL_SECONDS);
        out(`The owner's sign-in token (valid 30 days; give it to them privately):`);
        out(`  Authorization: Bearer ${token}`);
      } else {
        out(`Tokens come from your identity provider: the owner signs in there as subject ${created.value.ownerUserId} with tenant ${created.value.tenantId}.`);
      }
      out(`They can invite colleagues with membershipInvite.`);
    } else if (command === "suspend") {
      const tenantId = await tenantIdOf(values.tenant);
      const parsed = tenantSuspendSchema.safeParse({ tenantId, reason: values.reason });
      if (!parsed.success) throw new CliError(`--reason: ${parsed.error.issues[0]!.message}`);
      const result = await suspendTenant(services, admin, meta, parsed.data);
      if (!result.ok) explain(result.errors);
      out(`Tenant ${values.tenant} suspended: its credentials are refused, nothing is sent, its jobs wait.`);
    } else if (command === "resume") {
      const tenantId = await tenantIdOf(values.tenant);
      const result = await resumeTenant(services, admin, meta, { tenantId });
      if (!result.ok) explain(result.errors);
      out(`Tenant ${values.tenant} resumed; ${result.value.sendsRequeued} held send(s) queued again.`);
    } else {
      out(["slug", "name", "members", "status", "id"].join("\t"));
      for (let offset = 0; ; offset += 500) {
        const page = await listTenants(services, { limit: 500, offset });
        for (const t of page) {
          out([t.slug, t.name, String(t.memberCount), t.suspendedAt ? `SUSPENDED since ${t.suspendedAt.toISOString()} (${t.suspensionReason})` : "active", t.id].join("\t"));
        }
        if (page.length < 500) break;
      }
    }
  } finally {
    await jobs?.stop().catch(() => {});
    await db.close();
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    const message =
      error instanceof CliError || error instanceof ConfigError
        ? error.message
        : (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
          ? `${(error as Error).message}\n\n${USAGE}`
          : `Failed: ${(error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
