// Small helpers for benches that run the service in its own process.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
export { freePort } from "../test/helpers/ports.js";

/** Polls `url` until it answers 2xx, or throws after `seconds`. */
export async function waitFor(url: string, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resident memory of a process (bytes; 0 when unknown). */
export function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return line ? Number(line[1]) * 1024 : 0;
}

export const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

/** The service as `npm start` runs it: the bundle of scripts/service-build.mjs (built here when missing or stale), run by plain Node. */
export function serviceBundle(root: string): string {
  execFileSync(process.execPath, ["scripts/service-build.mjs", "--if-stale"], { cwd: root, stdio: "pipe" });
  return path.join(root, "dist", "service", "main.mjs");
}
