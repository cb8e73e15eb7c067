// Records the content hash of every prompt version in
// src/ai/prompts/prompt-lock.json. A new version is added; an existing
// version whose text changed is refused: bump the prompt's version instead.
//   npx tsx scripts/lock-prompts.ts
import { readFileSync, writeFileSync } from "node:fs";
import { PROMPTS } from "../src/ai/prompts/index.js";
import { promptContentHash, promptKey } from "../src/ai/prompts/prompt.js";
import type { PromptDefinition } from "../src/ai/prompts/prompt.js";

const file = "src/ai/prompts/prompt-lock.json";
let lock: Record<string, string> = {};
try {
  lock = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
} catch {
  lock = {};
}
let failed = false;
for (const prompt of PROMPTS as readonly PromptDefinition[]) {
  const key = promptKey(prompt);
  const hash = promptContentHash(prompt);
  if (!lock[key]) {
    lock[key] = hash;
    process.stdout.write(`locked ${key}\n`);
  } else if (lock[key] !== hash) {
    failed = true;
    process.stderr.write(`${key} changed since it was locked: bump its version (a new version gets a new lock entry)\n`);
  }
}
writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(lock).sort(([a], [b]) => a.localeCompare(b))), null, 2) + "\n");
process.exit(failed ? 1 : 0);
