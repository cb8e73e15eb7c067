// A throwaway database for one bench run: created from DATABASE_URL (an
// owner/superuser connection), migrated, with pg-boss's queues installed, and
// dropped at the end unless the run asks to keep it (to look at the plans).
import pg from "pg";
import { installJobQueues } from "../src/data/job-queue.js";
import { appUrlFromOwnerUrl, migrate } from "../src/data/migrate.js";

export interface ScratchDatabase {
  name: string;
  /** The owner's connection to the scratch database. */
  ownerUrl: string;
  /** The password given to the service role (sales_app) in it. */
  appPassword: string;
  /** The service role's connection to it (what the app serves requests with). */
  appUrl: string;
  /** Drops it (or says it was kept). */
  drop(): Promise<void>;
}

export async function createScratchDatabase(label: string, options: { keep?: boolean; jobQueues?: boolean } = {}): Promise<ScratchDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    process.stderr.write("Set DATABASE_URL to an owner/superuser connection.\n");
    process.exit(2);
  }
  const name = `bench_${label}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const ownerUrl = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  const appPassword = `bench_${label}_password`;
  const drop = async () => {
    if (options.keep) process.stdout.write(`kept database ${name}\n`);
    else await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  };
  try {
    await migrate({ ownerUrl, appPassword });
    if (options.jobQueues !== false) await installJobQueues(ownerUrl);
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, ownerUrl, appPassword, appUrl: appUrlFromOwnerUrl(ownerUrl, appPassword), drop };
}
