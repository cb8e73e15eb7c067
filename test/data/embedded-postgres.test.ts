// Running as root, the embedded PostgreSQL runs as the `postgres` OS user: a
// checkout it cannot reach (under /root, mode 700) is refused with a message
// that says what to do, before anything is spawned.
import { chmod, mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assertReachableByPostgresUser } from "../../src/data/embedded-postgres.js";

describe("assertReachableByPostgresUser", () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  it("names the directory the postgres user cannot enter, and the ways out", async () => {
    const outer = await mkdtemp(path.join(tmpdir(), "pg-reach-"));
    made.push(outer);
    await chmod(outer, 0o700);
    const data = path.join(outer, "project", ".data");
    await mkdir(data, { recursive: true });
    expect(() => assertReachableByPostgresUser([data])).toThrow(new RegExp(`cannot enter ${outer.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(mode 700\\).*chmod o\\+x.*DATABASE_URL`));
  });

  it("accepts directories everyone may enter, including ones not created yet", async () => {
    const outer = await mkdtemp(path.join(tmpdir(), "pg-reach-"));
    made.push(outer);
    await chmod(outer, 0o755);
    expect(() => assertReachableByPostgresUser([path.join(outer, "not-yet", ".data"), null])).not.toThrow();
  });
});
