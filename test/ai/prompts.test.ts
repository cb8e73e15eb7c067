// Prompt versioning: each prompt's content (instructions and schemas) is
// locked per version in prompt-lock.json. Changing the text without a new
// version fails here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PROMPTS } from "../../src/ai/prompts/index.js";
import { definePrompt, promptContentHash, promptKey, type PromptDefinition } from "../../src/ai/prompts/prompt.js";
import { requestDetectionPrompt } from "../../src/ai/prompts/request-detection.js";

const lock = JSON.parse(readFileSync("src/ai/prompts/prompt-lock.json", "utf8")) as Record<string, string>;

describe("prompt versions", () => {
  it.each((PROMPTS as readonly PromptDefinition[]).map((p) => [promptKey(p), p] as const))("%s matches its locked content hash", (key, prompt) => {
    expect(lock[key], `${key} is not locked: run npx tsx scripts/lock-prompts.ts`).toBeDefined();
    expect(promptContentHash(prompt), `${key} changed: bump its version`).toBe(lock[key]);
  });

  it("ids are unique and every prompt has instructions and schemas", () => {
    const ids = (PROMPTS as readonly PromptDefinition[]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of PROMPTS as readonly PromptDefinition[]) {
      expect(p.instructions.length).toBeGreaterThan(100);
      expect(p.version).toBeGreaterThanOrEqual(1);
    }
  });

  it("a change to the instructions, or to the output schema, changes the hash", () => {
    const base = requestDetectionPrompt as unknown as PromptDefinition;
    const reworded = definePrompt({ ...base, instructions: base.instructions.replace("Answer with one JSON object.", "Reply in JSON.") });
    expect(promptContentHash(reworded)).not.toBe(lock[promptKey(base)]);
    const reshaped = definePrompt({ ...base, output: z.object({ isRequest: z.boolean() }) });
    expect(promptContentHash(reshaped)).not.toBe(lock[promptKey(base)]);
    // The same content under a new version is simply a new, unlocked key.
    expect(lock[promptKey({ id: base.id, version: base.version + 1 })]).toBeUndefined();
  });
});
