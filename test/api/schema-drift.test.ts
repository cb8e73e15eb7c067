// schema.graphql is the printed schema, committed so clients and reviewers
// see API changes in diffs. Regenerate with `npm run schema:print`.
import { readFileSync } from "node:fs";
import { printSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { sortedSchema } from "../../src/api/schema/index.js";

describe("schema.graphql", () => {
  it("is the printed schema (run `npm run schema:print` after changing the API)", () => {
    const committed = readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8");
    expect(committed).toBe(printSchema(sortedSchema()) + "\n");
  });
});
