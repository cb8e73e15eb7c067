// `npm run db:migrate`: applies migrations and installs the job queues, then
// exits. For deployments that migrate as a separate step (MIGRATE_ON_START=false).
import { prepareDatabase } from "../app.js";
import { ConfigError, loadConfig } from "../config/index.js";
import { createLogger } from "../observability/logger.js";

try {
  const config = { ...loadConfig(), MIGRATE_ON_START: true };
  const logger = createLogger(config.LOG_LEVEL);
  const database = await prepareDatabase(config, logger);
  await database.embedded?.stop();
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`}\n`);
  process.exit(1);
}
