import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { permissionTable } from "../../../scripts/permission-table.js";

describe("README permission matrix", () => {
  it("is the matrix the code enforces (regenerate with `npx tsx scripts/permission-table.ts`)", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const shown = readme.split("<!-- permission-table:start -->\n")[1]?.split("\n<!-- permission-table:end -->")[0];
    expect(shown).toBe(permissionTable());
  });
});
