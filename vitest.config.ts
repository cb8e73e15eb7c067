import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql instance for the whole test run ("Cannot use GraphQLSchema from another module or realm"):
    // the CommonJS build, which is what Node itself loads for Pothos, Apollo and graphql-ws
    // (a bare directory alias would let Vite pick the package's "module" build for our own files).
    alias: [
      { find: /^graphql$/, replacement: require.resolve("graphql/index.js") },
      { find: /^graphql\/(.*)$/, replacement: `${require.resolve("graphql/index.js").replace(/index\.js$/, "")}$1` },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/global-setup.ts"],
    // Drops each file's databases after the file (see the file).
    setupFiles: ["test/setup/per-file.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // CI runs on a loaded 2-core machine: a failed test gets one more try there, and
    // test/setup/flaky-reporter.ts names every test that needed it. Locally no retry.
    retry: process.env.CI ? 1 : 0,
    reporters: ["default", "./test/setup/flaky-reporter.ts"],
  },
});
