// Runs in every test file (vitest setupFiles): drops the databases the file
// created once its own afterAll hooks have run (hooks run as a stack, so this
// one, registered first, runs last). createTestDatabase is usually called
// inside beforeAll, where an afterAll of its own would never run.
import { afterAll } from "vitest";
import { dropFileDatabases } from "../helpers/database.js";

afterAll(async () => {
  await dropFileDatabases();
});
