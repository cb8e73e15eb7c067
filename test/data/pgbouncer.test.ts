// The service through PgBouncer in transaction mode (issue 14, scale-out): the
// request pool's connections go through a pooler that hands each transaction
// to whichever server connection is free, so two tenants' transactions
// interleave on the same PostgreSQL sessions. Safe only because every tenant
// setting is transaction-local (set_config(…, true)); these tests prove it
// with Debian's pgbouncer and two server connections for many clients, and
// that a demotion on one instance holds on another's next request. (LISTEN —
// outbox wake-up, cache invalidation — goes straight to PostgreSQL through
// DATABASE_LISTEN_URL, as the README advises; the demotion would hold without
// it too, because every transaction re-checks the cached caller's access
// fingerprint in the database.)
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { execute } from "../helpers/graphql.js";
import { freePort } from "../helpers/ports.js";

const PGBOUNCER = [process.env.PGBOUNCER_PATH, "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"].find((p): p is string => !!p && existsSync(p));
const SKIP_REASON = "pgbouncer is not installed (apt-get install -y pgbouncer; .ci/run installs it)";

if (!PGBOUNCER && process.env.CI === "true") {
  describe("PgBouncer", () => {
    it("needs pgbouncer under CI", () => {
      throw new Error(`CI=true but ${SKIP_REASON}`);
    });
  });
}

const SERVER_CONNECTIONS = 2;

/** Starts pgbouncer in transaction mode in front of the database's server; returns its port. */
async function startPgBouncer(db: TestDatabase): Promise<{ port: number; process: ChildProcess; dir: string }> {
  const server = new URL(db.ownerUrl);
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "pgbouncer-"));
  // The users it lets in, with the passwords it logs in to the server with (the embedded
  // PostgreSQL of a bare clone asks for them; a trust-auth server ignores them).
  const app = new URL(db.appUrl);
  const users = [server, app].map((u) => `"${decodeURIComponent(u.username)}" "${decodeURIComponent(u.password)}"`);
  writeFileSync(path.join(dir, "users.txt"), users.join("\n") + "\n");
  writeFileSync(
    path.join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${path.join(dir, "users.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${SERVER_CONNECTIONS}`,
      "reserve_pool_size = 0",
      "max_client_conn = 500",
      "ignore_startup_parameters = extra_float_digits,options",
      `admin_users = ${decodeURIComponent(server.username)}`,
    ].join("\n") + "\n",
  );
  chmodSync(dir, 0o755);
  // PgBouncer refuses to run as root: drop to the postgres user then (it only reads the two files; it logs to stderr).
  const args = process.getuid?.() === 0 ? ["-u", "postgres", path.join(dir, "pgbouncer.ini")] : [path.join(dir, "pgbouncer.ini")];
  const child = spawn(PGBOUNCER!, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return { port, process: child, dir };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pgbouncer did not start: ${stderr}`.slice(0, 2000));
}

function viaBouncer(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(port);
  return u.toString();
}

describe.skipIf(!PGBOUNCER)(`the service through PgBouncer in transaction mode${PGBOUNCER ? "" : ` (skipped: ${SKIP_REASON})`}`, { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let bouncer: { port: number; process: ChildProcess; dir: string };
  let t: TestApp;
  /** A second instance: a demotion made through `t` reaches its cache only by NOTIFY. */
  let t2: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  let bouncedAppUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    bouncer = await startPgBouncer(db);
    bouncedAppUrl = viaBouncer(db.appUrl, bouncer.port);
    // Requests and jobs through the pooler; LISTEN on a session of its own, straight to PostgreSQL.
    t = await startTestApp({ db: { ...db, appUrl: bouncedAppUrl }, env: { DATABASE_LISTEN_URL: db.appUrl } });
    t2 = await startTestApp({ db: { ...db, appUrl: bouncedAppUrl }, env: { DATABASE_LISTEN_URL: db.appUrl } });
    a = await createTenant(t);
    b = await createTenant(t);
  });
  afterAll(async () => {
    await t?.close();
    await t2?.close();
    bouncer?.process.kill("SIGTERM");
    if (bouncer) await new Promise((r) => (bouncer.process.exitCode !== null ? r(null) : bouncer.process.once("exit", r)));
    if (bouncer) rmSync(bouncer.dir, { recursive: true, force: true });
  });

  it("never lets a tenant setting outlive its transaction on a pooled server connection", async () => {
    const clients = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const c = new pg.Client({ connectionString: bouncedAppUrl });
        await c.connect();
        return c;
      }),
    );
    try {
      // Many transactions, each setting a tenant, interleaved over two server connections.
      await Promise.all(
        clients.slice(0, 4).map(async (c, i) => {
          for (let k = 0; k < 10; k++) {
            await c.query("BEGIN");
            await c.query("SELECT set_config('app.tenant_id', $1, true)", [i % 2 ? a.tenantId : b.tenantId]);
            const { rows } = await c.query(`SELECT count(*)::int AS n FROM "Membership"`);
            expect(rows[0].n).toBe(5); // its own tenant's five members only
            await c.query("COMMIT");
          }
        }),
      );
      // Afterwards, outside any transaction, on the same server connections: no tenant, so no rows.
      for (const c of clients.slice(4)) {
        for (let k = 0; k < 10; k++) {
          const { rows } = await c.query(`SELECT coalesce(current_setting('app.tenant_id', true), '') AS tenant, (SELECT count(*)::int FROM "Membership") AS n`);
          expect(rows[0]).toEqual({ tenant: "", n: 0 });
        }
      }
      // The pooler really multiplexed: at most two server connections for the service role's database.
      const adminUrl = new URL(viaBouncer(db.ownerUrl, bouncer.port));
      adminUrl.pathname = "/pgbouncer";
      const admin = new pg.Client({ connectionString: adminUrl.toString() });
      await admin.connect();
      try {
        const { rows } = await admin.query("SHOW POOLS");
        const pool = rows.find((r: { database: string; user: string }) => r.database === db.name && r.user === "sales_app") as Record<string, string> | undefined;
        expect(pool).toBeDefined();
        expect(Number(pool!.sv_active) + Number(pool!.sv_idle) + Number(pool!.sv_used)).toBeLessThanOrEqual(SERVER_CONNECTIONS);
      } finally {
        await admin.end();
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it("keeps two tenants' concurrent requests apart over two server connections", async () => {
    const create = (token: string, title: string) =>
      execute<{ taskCreate: { task: { id: string } | null; userErrors: unknown[] } }, unknown>(
        t.graphqlUrl,
        `mutation ($title: String!) { taskCreate(input: { title: $title }) { task { id } userErrors { code message } } }`,
        { title },
        { token },
      );
    const list = (token: string) =>
      execute<{ tasks: { edges: { node: { title: string } }[] } }, unknown>(t.graphqlUrl, `{ tasks(first: 100) { edges { node { title } } } }`, {}, { token });
    const writes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? create(a.members.OPERATOR.token, `A task ${i}`) : create(b.members.OPERATOR.token, `B task ${i}`))),
    );
    for (const w of writes) expect(w.errors ?? w.data?.taskCreate.userErrors ?? []).toEqual([]);
    const reads = await Promise.all(Array.from({ length: 20 }, (_, i) => list(i % 2 ? a.members.ANALYST.token : b.members.ANALYST.token).then((r) => ({ i, r }))));
    for (const { i, r } of reads) {
      expect(r.errors).toBeUndefined();
      const titles = r.data!.tasks.edges.map((e) => e.node.title);
      expect(titles).toHaveLength(15);
      expect(titles.every((title) => title.startsWith(i % 2 ? "A task" : "B task"))).toBe(true);
    }
  });

  it("enforces a demotion made on one instance on the other's next request ", async () => {
    const added = await execute<{ membershipAdd: { membership: { id: string; user: { id: string } } | null; userErrors: unknown[] } }, unknown>(
      t.graphqlUrl,
      `mutation ($input: MembershipAddInput!) { membershipAdd(input: $input) { membership { id user { id } } userErrors { code message } } }`,
      { input: { email: "demoted@bouncer.example", role: "OPERATOR" } },
      { token: a.members.OWNER.token },
    );
    const membership = added.data!.membershipAdd.membership!;
    const userId = Buffer.from(membership.user.id, "base64").toString().split(":")[1]!;
    const token = await t.app.authenticator.issueUserToken({ userId, tenantId: a.tenantId }, 3600);
    const create = () =>
      execute<{ taskCreate: { task: { id: string } | null; userErrors: unknown[] } | null }, unknown>(
        t2.graphqlUrl,
        `mutation { taskCreate(input: { title: "before and after" }) { task { id } userErrors { code message } } }`,
        {},
        { token },
      );
    // Cached now on the second instance (the principal cache keeps callers for a few seconds).
    expect((await create()).data?.taskCreate?.task).toBeTruthy();
    expect((await create()).data?.taskCreate?.task).toBeTruthy();
    const demoted = await execute<{ membershipChangeRole: { userErrors: unknown[] } }, unknown>(
      t.graphqlUrl,
      `mutation ($input: MembershipChangeRoleInput!) { membershipChangeRole(input: $input) { userErrors { code message } } }`,
      { input: { membershipId: membership.id, role: "ANALYST" } },
      { token: a.members.OWNER.token },
    );
    expect(demoted.data?.membershipChangeRole.userErrors).toEqual([]);
    // The NOTIFY reaches the second instance within milliseconds of the commit; its next request is refused.
    await new Promise((r) => setTimeout(r, 200));
    const after = await create();
    expect(after.data?.taskCreate?.task ?? null).toBeNull();
    expect(after.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
