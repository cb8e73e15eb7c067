// The service as `npm start` runs it (a separate process, development mode): the
// bundle scripts/service-build.mjs makes, run by plain Node. It comes up (so the
// bundle finds its migrations, models and console from the project's root),
// answers, and stops cleanly and quickly on SIGTERM and SIGINT — what `docker stop`
// and Ctrl-C send. Apollo's own signal handlers once raced ours and left the
// process hanging after "shutting down".
import { execFileSync, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "./helpers/database.js";

// Its own bundle under dist/ (dependencies resolve from the project's node_modules), so parallel runs never share one.
const bundleDir = path.resolve("dist", `test-main-${process.pid}`);
const bundle = path.join(bundleDir, "main.mjs");

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/service-build.mjs", "--outfile", bundle], { stdio: "pipe", timeout: 120_000 });
}, 150_000);

afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

async function runService(signal: "SIGTERM" | "SIGINT") {
  const db = await createTestDatabase();
  const child = spawn(process.execPath, [bundle], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "development",
      DATABASE_URL: db.ownerUrl,
      DATABASE_APP_URL: db.appUrl,
      JWT_SECRET: "main-test-secret-main-test-secret-0000",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      DATA_DIR: `.data/main-test-${process.pid}`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("exit", (code, sig) => resolve({ code, signal: sig })));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not up after 60 s:\n${stdout}\n${stderr}`)), 60_000);
      child.stdout.on("data", () => {
        const match = /GraphQL:\s+(http:\/\/\S+)\/graphql/.exec(stdout);
        if (match && stdout.includes("OWNER")) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      void exited.then(() => reject(new Error(`exited before it was up:\n${stdout}\n${stderr}`)));
    });
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: "ok" });
    const stoppedAt = Date.now();
    child.kill(signal);
    const exit = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 15_000))]);
    return { exit, seconds: (Date.now() - stoppedAt) / 1000, stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

describe("npm start", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("stops cleanly on %s", async (signal) => {
    const { exit, seconds, stderr } = await runService(signal);
    expect({ exit, stderr }).toEqual({ exit: { code: 0, signal: null }, stderr: "" });
    expect(seconds).toBeLessThan(10);
  }, 90_000);
});
