// Summarises a V8 CPU profile (node --cpu-prof): self time by function and by
// package/file, and inclusive time of chosen frames, over the samples between
// the first and the last one whose stack touches `--window` (a file path
// fragment; default: the whole profile) — so a service's start-up and
// shut-down are left out of a bench's figures.
//   npx tsx bench/profile-summary.ts FILE.cpuprofile [--window src/api/inbound-webhook.ts] [--top 40] [--inclusive name1,name2]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { window: { type: "string" }, top: { type: "string", default: "40" }, inclusive: { type: "string" } },
});

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const profile = JSON.parse(readFileSync(positionals[0]!, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const stackOf = (id: number): Node[] => {
  const out: Node[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) out.push(byId.get(cur)!);
  return out;
};

const short = (url: string) => {
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf("/src/");
  if (src >= 0) return url.slice(src + 1);
  return url.startsWith("node:") ? url : url || "(native/V8)";
};

// Sample times and the window.
const times: number[] = [];
let t = 0;
for (const d of profile.timeDeltas) times.push((t += d));
let from = 0;
let to = profile.samples.length - 1;
if (values.window) {
  const touches = (i: number) => stackOf(profile.samples[i]!).some((n) => n.callFrame.url.includes(values.window!));
  while (from < to && !touches(from)) from++;
  while (to > from && !touches(to)) to--;
}

const self = new Map<string, number>();
const files = new Map<string, number>();
const inclusiveNames = values.inclusive?.split(",") ?? [];
const inclusive = new Map<string, number>(inclusiveNames.map((n) => [n, 0]));
let total = 0;
for (let i = from; i <= to; i++) {
  const dt = (times[i + 1] ?? times[i]!) - times[i]!;
  const node = byId.get(profile.samples[i]!)!;
  const { functionName, url, lineNumber } = node.callFrame;
  total += dt;
  const fname = `${functionName || "(anonymous)"} ${short(url)}:${lineNumber + 1}`;
  self.set(fname, (self.get(fname) ?? 0) + dt);
  files.set(short(url), (files.get(short(url)) ?? 0) + dt);
  if (inclusiveNames.length) {
    const stack = stackOf(node.id);
    for (const name of inclusiveNames) {
      if (stack.some((n) => n.callFrame.functionName === name || `${short(n.callFrame.url)}`.includes(name))) inclusive.set(name, inclusive.get(name)! + dt);
    }
  }
}
const top = Number(values.top);
const pctOf = (v: number) => `${((v / total) * 100).toFixed(1).padStart(5)} %`;
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pctOf(v)}  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`);
};
console.log(`window: ${((times[to]! - times[from]!) / 1e6).toFixed(2)} s, ${to - from + 1} samples, ${(total / 1000).toFixed(0)} ms sampled`);
print("self time by package / file", files);
print("self time by function", self);
if (inclusiveNames.length) print("inclusive time (stack contains)", inclusive);
