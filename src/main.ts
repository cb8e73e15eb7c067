// `npm start`: the service with working defaults. No DATABASE_URL → an
// embedded PostgreSQL under .data/; no REDIS_URL → in-process pub/sub;
// a demo tenant is seeded and a token printed for each role.
import { loadConfig, ConfigError } from "./config/index.js";
import { DEMO_TENANT, provisionTenant } from "./data/provisioning.js";
import { prepareDatabase, resolveJwtSecret, startApp } from "./app.js";
import { createLogger } from "./observability/logger.js";

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const database = await prepareDatabase(config, logger);
  const jwtSecret = await resolveJwtSecret(config);
  const app = await startApp({ config, appUrl: database.appUrl, jwtSecret, logger });

  const lines = [
    "",
    "Sales Agent is running.",
    `  Console:   ${app.url}/   (sign in with a token below)`,
    `  GraphQL:   ${app.url}/graphql   (WebSocket subscriptions on the same URL)`,
    ...(config.GRAPHIQL_ENABLED ? [`  GraphiQL:  ${app.url}/graphiql`] : []),
    `  Health:    ${app.url}/health · ${app.url}/ready · ${app.url}/metrics`,
    `  Database:  ${database.embedded ? `embedded PostgreSQL (${config.EMBEDDED_PG_DIR})` : "DATABASE_URL"}; pub/sub: ${config.REDIS_URL ? "Redis" : "in-process"}`,
  ];
  if (config.SEED_DEMO_TENANT) {
    const demo = await provisionTenant(database.ownerUrl, DEMO_TENANT);
    lines.push("", `Demo tenant "${DEMO_TENANT.name}" (slug ${DEMO_TENANT.slug}). Paste one of these into the console's sign-in or GraphiQL's Headers tab:`);
    if (jwtSecret) {
      for (const member of demo.members) {
        const token = await app.authenticator.issueUserToken({ userId: member.userId, tenantId: demo.tenantId }, 30 * 24 * 3600);
        lines.push("", `  ${member.role.padEnd(8)} ${member.email}`, `  { "Authorization": "Bearer ${token}" }`);
      }
    } else {
      lines.push("  (no JWT_SECRET: tokens come from your identity provider)");
    }
  }
  process.stdout.write(lines.join("\n") + "\n\n");

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, "shutting down");
    await app.stop();
    await database.embedded?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error) => {
  process.stderr.write(`Sales Agent failed to start: ${error instanceof Error ? (process.env.NODE_ENV === "production" ? error.message : error.stack) : String(error)}\n`);
  process.exit(1);
});
