#!/usr/bin/env node
// A small Prisma generator that writes the full DMMF data model (native
// types, indexes, defaults) to JSON. test/data/migration-drift.test.ts
// compares it with the migrated database so the two can never drift apart.
const { generatorHandler } = require("@prisma/generator-helper");
const fs = require("node:fs");
const path = require("node:path");

generatorHandler({
  onManifest: () => ({ prettyName: "Data model JSON", defaultOutput: "./datamodel.json" }),
  onGenerate: async (options) => {
    const output = options.generator.output?.value;
    if (!output) throw new Error("datamodel generator: no output path");
    fs.mkdirSync(path.dirname(output), { recursive: true });
    fs.writeFileSync(output, JSON.stringify(options.dmmf.datamodel, null, 2) + "\n");
  },
});
