// GraphQL Code Generator: typed documents for the tests (and any TypeScript
// client) from the committed schema.graphql. Run: npm run codegen
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "./schema.graphql",
  documents: ["test/**/*.ts", "!test/generated/**"],
  ignoreNoDocuments: true,
  // ESM imports with .js extensions (the project is NodeNext ESM).
  emitLegacyCommonJSImports: false,
  generates: {
    "./test/generated/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: "string", JSON: "unknown", ID: "string" },
        documentMode: "string",
      },
    },
  },
};

export default config;
