// What a prompt is: an id and a version, the instructions a model gets, the
// input it is rendered from and the schema its output must satisfy. The
// content hash of a version is committed in prompt-lock.json; a test fails
// when the text changes and the version does not.
import { createHash } from "node:crypto";
import { z } from "zod";

export interface PromptDefinition<I = unknown, O = unknown> {
  id: string;
  version: number;
  description: string;
  /** The system message: what the model is asked to do and how to answer. */
  instructions: string;
  input: z.ZodType<I>;
  output: z.ZodType<O>;
  /** The user message: the input as the model sees it. */
  render(input: I): string;
}

export type PromptInput<P> = P extends PromptDefinition<infer I, unknown> ? I : never;
export type PromptOutput<P> = P extends PromptDefinition<unknown, infer O> ? O : never;

export function definePrompt<I, O>(definition: PromptDefinition<I, O>): PromptDefinition<I, O> {
  return Object.freeze(definition);
}

/** JSON Schema of the output, as sent to models that support structured output. */
export function outputJsonSchema(prompt: PromptDefinition): Record<string, unknown> {
  return z.toJSONSchema(prompt.output, { target: "draft-7", io: "output", unrepresentable: "any" }) as Record<string, unknown>;
}

/** Hash of everything a model sees besides the input: instructions and both schemas. */
export function promptContentHash(prompt: PromptDefinition): string {
  const content = JSON.stringify({
    id: prompt.id,
    instructions: prompt.instructions,
    input: z.toJSONSchema(prompt.input, { target: "draft-7", io: "input", unrepresentable: "any" }),
    output: outputJsonSchema(prompt),
  });
  return createHash("sha256").update(content).digest("hex");
}

export function promptKey(prompt: Pick<PromptDefinition, "id" | "version">): string {
  return `${prompt.id}@${prompt.version}`;
}
