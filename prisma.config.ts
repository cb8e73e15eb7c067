// Prisma CLI configuration. The CLI is used here only for `prisma generate`
// (migrations are applied by src/data/migrate.ts, see README "Database").
// Where Prisma's schema engine can be downloaded, `prisma migrate deploy`
// applies the very same folders.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" },
});
