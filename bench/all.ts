// `npm run bench`: every figure of issue 14 in one run, one bench after the
// other (never two at once: they share the machine's cores), each printing its
// figures next to its baseline or target, then a summary of the lines that
// decide the targets. Record the output in bench/RESULTS.md with the load.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 \
//     npm run bench [-- --only request-path,sending,fan-out,growth]
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { only: { type: "string", default: "" } } });
const root = path.resolve(import.meta.dirname, "..");

const BENCHES: { name: string; script: string; args: string[]; needsRedis?: boolean; decides: RegExp }[] = [
  // Read path, authentication overhead, taskCreate, start-up and RSS, each against its baseline.
  { name: "request-path", script: "bench/request-path.ts", args: ["--seconds", "5"], decides: /\| (yes|NO) \||start-up|RSS/ },
  // 50 mailboxes through claim → quota → transport → record; one mailbox's ceiling; quota exactness at 100-way.
  { name: "sending", script: "bench/send-throughput.ts", args: ["50", "20", "64", "25", "8"], decides: /^(1|1b|2|2l|2a|2al|2b|3)\. / },
  // 1,000 graphql-ws subscribers on two instances over Redis.
  { name: "fan-out", script: "bench/fan-out.ts", args: ["--subscribers", "1000", "--events", "20"], needsRedis: true, decides: /latency|deliveries|per idle subscriber|per subscriber delivery|Redis publish|CPU over/ },
  // List pages, taskCreate and live events from 2k to 100k leads and 1M audit/outbox rows.
  { name: "growth", script: "bench/list-growth.ts", args: ["--sizes", "2000,100000", "--runs", "10"], decides: /^\| [\d,]+ \||: [\d.]+ ms, / },
];

const only = values.only ? new Set(values.only.split(",")) : null;
if (!process.env.DATABASE_URL) {
  process.stderr.write("Set DATABASE_URL (a superuser: each bench creates and drops its own scratch database).\n");
  process.exit(2);
}
const load = () => loadavg().map((l) => l.toFixed(2)).join(" / ");
const summary: string[] = [];
let failed = false;
for (const bench of BENCHES) {
  if (only && !only.has(bench.name)) continue;
  if (bench.needsRedis && !process.env.REDIS_URL) {
    summary.push(`## ${bench.name}: skipped (needs REDIS_URL)`);
    continue;
  }
  const header = `## ${bench.name}: npx tsx ${bench.script} ${bench.args.join(" ")} (load average before: ${load()})`;
  process.stdout.write(`\n${header}\n\n`);
  const lines: string[] = [];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", bench.script, ...bench.args], { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: process.env });
    let pending = "";
    child.stdout!.on("data", (d: Buffer) => {
      process.stdout.write(d);
      pending += d.toString();
      const parts = pending.split("\n");
      pending = parts.pop()!;
      lines.push(...parts);
    });
    child.on("exit", (c) => {
      if (pending) lines.push(pending);
      resolve(c ?? 1);
    });
  });
  summary.push(header, ...lines.filter((l) => bench.decides.test(l)));
  if (code !== 0) {
    failed = true;
    summary.push(`(exited with ${code})`);
  }
}
process.stdout.write(`\n# Summary (load average at the end: ${load()})\n\n${summary.join("\n")}\n`);
process.exit(failed ? 1 : 0);
