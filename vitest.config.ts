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
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
