// Trains the request detector (src/ai/request-detector.ts) on the Parakweet
// Email Intent training set and writes src/ai/models/request-detector.json.
// Deterministic: fixed feature order, fixed shuffling seed, no randomness
// from the clock, so running it again gives the same file byte for byte.
//   npx tsx scripts/train-request-detector.ts [path/to/Ask0729-fixed.txt] [--check]
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { trainRequestDetector } from "../src/ai/request-detector-training.js";

const args = process.argv.slice(2);
const check = args.includes("--check");
const source = args.find((a) => !a.startsWith("--")) ?? path.resolve("../shared/data/email-intent/Ask0729-fixed.txt");
const out = path.resolve("src/ai/models/request-detector.json");
const model = trainRequestDetector(readFileSync(source, "utf8"), path.basename(source));
const json = JSON.stringify(model, null, 1) + "\n";
if (check) {
  const same = readFileSync(out, "utf8") === json;
  process.stdout.write(same ? "request-detector.json is reproduced exactly\n" : "request-detector.json differs from a fresh training run\n");
  process.exit(same ? 0 : 1);
}
writeFileSync(out, json);
process.stdout.write(`wrote ${path.relative(process.cwd(), out)}: ${Object.keys(model.weights).length} weights\n`);
