// Writes the printed GraphQL schema to /schema.graphql (committed; a test
// fails when it is out of date). Run: npm run schema:print
import { writeFileSync } from "node:fs";
import { printSchema } from "graphql";
import { sortedSchema } from "../src/api/schema/index.js";

writeFileSync(new URL("../schema.graphql", import.meta.url), printSchema(sortedSchema()) + "\n");
process.stdout.write("schema.graphql written\n");
