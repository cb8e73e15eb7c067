// `npm run tenant`: the CLI spawned as an operator runs it, against this
// file's database. `create` prints an owner token that the running service
// accepts; `suspend` makes the service refuse it (TENANT_SUSPENDED), `list`
// shows it, `resume` lets it in again; `admin-token` prints a platform-admin
// token only for a listed subject.
import { spawn } from "node:child_process";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, TEST_JWT_SECRET, type TestApp } from "../helpers/app.js";
import { execute } from "../helpers/graphql.js";
import { sql } from "../helpers/operator.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ADMIN = "ops@platform.example";
let t: TestApp;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "src/cli/tenant.ts", ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "test",
        LOG_LEVEL: "silent",
        DATABASE_URL: t.db.ownerUrl,
        DATABASE_APP_URL: t.db.appUrl,
        MIGRATE_ON_START: "false",
        JWT_SECRET: TEST_JWT_SECRET,
        PLATFORM_ADMIN_SUBJECTS: ADMIN,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const bearerIn = (text: string) => text.match(/Authorization: Bearer (\S+)/)?.[1];
const TenantQuery = `query { tenant { slug name } me { role user { email } } }`;

beforeAll(async () => {
  t = await startTestApp({ env: { PLATFORM_ADMIN_SUBJECTS: ADMIN } });
}, 60_000);
afterAll(() => t?.close());

describe("npm run tenant", () => {
  it("create prints an owner token the service accepts; suspend, list, resume act on it", async () => {
    const slug = `cli-${randomUUID().slice(0, 8)}`;
    const created = await cli(["create", "--name", "CLI Sales", "--slug", slug, "--owner", `boss@${slug}.example`]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const token = bearerIn(created.stdout)!;
    expect(token).toBeTruthy();
    const ok = await execute(t.graphqlUrl, TenantQuery, {}, { token });
    expect(ok.data).toMatchObject({ tenant: { slug, name: "CLI Sales" }, me: { role: "OWNER", user: { email: `boss@${slug}.example` } } });
    expect(await sql(t.db, `SELECT "action", "actorLabel" FROM "AuditEntry" a JOIN "Tenant" t ON t."id" = a."tenantId" WHERE t."slug" = $1`, [slug])).toEqual([
      { action: "tenant.created", actorLabel: expect.stringMatching(/^platform:cli:/) },
    ]);

    const duplicate = await cli(["create", "--name", "Again", "--slug", slug, "--owner", "x@again.example"]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain("already exists");

    const suspended = await cli(["suspend", "--tenant", slug, "--reason", "trial ended"]);
    expect(suspended.code).toBe(0);
    const refused = await execute(t.graphqlUrl, TenantQuery, {}, { token });
    expect(refused.errors?.[0]?.extensions?.code).toBe("TENANT_SUSPENDED");
    const listed = await cli(["list"]);
    expect(listed.stdout.split("\n").find((l) => l.startsWith(`${slug}\t`))).toMatch(/\t1\tSUSPENDED since .*\(trial ended\)\t/);

    const resumed = await cli(["resume", "--tenant", slug]);
    expect(resumed.code).toBe(0);
    expect((await execute(t.graphqlUrl, TenantQuery, {}, { token })).data).toMatchObject({ tenant: { slug } });
  }, 240_000);

  it("admin-token prints a platform-admin token for a listed subject only; bad input is explained", async () => {
    const issued = await cli(["admin-token", "--subject", ADMIN, "--hours", "1"]);
    expect(issued.code).toBe(0);
    const listed = await execute(t.graphqlUrl, `query { tenants(first: 5) { edges { node { slug } } } }`, {}, { token: bearerIn(issued.stdout)! });
    expect(listed.errors).toBeUndefined();
    const refused = await cli(["admin-token", "--subject", "someone@else.example"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("PLATFORM_ADMIN_SUBJECTS");
    const usage = await cli(["create", "--slug", "Bad Slug"]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/--name|--slug/);
    expect(usage.stdout).toBe("");
  }, 240_000);
});
