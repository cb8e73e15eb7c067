// The files the service reads at run time are found from the project's root, so the
// bundle `npm start` runs (one file under dist/) finds them as the sources do.
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONSOLE_DIST } from "../../src/api/console.js";
import { projectPath, projectRoot } from "../../src/config/project-path.js";
import { MIGRATIONS_DIR } from "../../src/data/migrate.js";

describe("projectPath", () => {
  it("is the folder holding package.json and prisma/", () => {
    expect(projectRoot()).toBe(path.resolve("."));
    expect(MIGRATIONS_DIR).toBe(path.resolve("prisma", "migrations"));
    expect(CONSOLE_DIST).toBe(path.resolve("web", "dist"));
  });

  it("reaches every file the service reads at run time", () => {
    for (const file of [
      projectPath("prisma", "migrations", "migration_lock.toml"),
      projectPath("src", "ai", "models", "request-detector.json"),
      projectPath("src", "ai", "models", "inbound-intent.json"),
      projectPath("src", "generated", "datamodel.json"),
    ])
      expect(existsSync(file), file).toBe(true);
  });
});
