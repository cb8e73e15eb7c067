// GraphQL Code Generator: typed documents for the tests and for the operator
// console (web/) from the committed schema.graphql. Run: npm run codegen
// (the console's build runs it too: scripts/console-build.mjs).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "./schema.graphql",
  // Each target lists its own documents (codegen adds root-level documents to every target).
  ignoreNoDocuments: true,
  // ESM imports with .js extensions (the project is NodeNext ESM).
  emitLegacyCommonJSImports: false,
  generates: {
    "./test/generated/gql/": {
      documents: ["test/**/*.ts", "!test/generated/**"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: "string", JSON: "unknown", ID: "string" },
        documentMode: "string",
      },
    },
    // The console: TypedDocumentNode objects for urql (web/src/gql, git-ignored, generated before each build).
    "./web/src/gql/": {
      documents: ["web/src/**/*.{ts,tsx}", "!web/src/gql/**"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: "string", JSON: "unknown", ID: "string" },
      },
    },
  },
};

export default config;
