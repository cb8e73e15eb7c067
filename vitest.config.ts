import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql instance for the whole test run ("Cannot use GraphQLSchema from another module or realm"):
    // the CommonJS build, which is what Node gives the dependencies (Pothos, Apollo, graphql-ws) that
    // vitest does not transform; a bare directory alias made vite pick index.mjs for our own files.
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql/index.js") }],
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
