// The migrated database must match prisma/schema.prisma exactly: tables,
// columns (type, nullability, defaults), enums, indexes and foreign keys.
// Change one without the other and this fails.
import { readFileSync } from "node:fs";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { actualShape, expectedShape, missingSql, type Datamodel, type SchemaShape } from "../../scripts/datamodel-sql.js";
import { createTestDatabase } from "../helpers/database.js";

let expected: SchemaShape;
let actual: SchemaShape;

beforeAll(async () => {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.ownerUrl });
  await client.connect();
  actual = await actualShape(client);
  await client.end();
  expected = expectedShape(JSON.parse(readFileSync("src/generated/datamodel.json", "utf8")) as Datamodel);
});

describe("migrations match schema.prisma", () => {
  it("has exactly the schema's tables", () => {
    expect([...actual.tables.keys()].sort()).toEqual([...expected.tables.keys()].sort());
  });

  it("has exactly the schema's enums and values", () => {
    expect(Object.fromEntries(actual.enums)).toEqual(Object.fromEntries(expected.enums));
  });

  it("has every column with the schema's type, nullability and default", () => {
    const describe = (s: SchemaShape) =>
      Object.fromEntries(
        [...s.tables].map(([t, table]) => [
          t,
          Object.fromEntries(
            [...table.columns].map(([c, col]) => [c, `${col.type}${col.notNull ? " NOT NULL" : ""}${col.defaultSql === null ? "" : " DEFAULT"}`]),
          ),
        ]),
      );
    expect(describe(actual)).toEqual(describe(expected));
  });

  it("has the schema's indexes (name, columns, uniqueness) and no others", () => {
    const describe = (s: SchemaShape) =>
      Object.fromEntries(
        [...s.tables].map(([t, table]) => [
          t,
          table.indexes.map((i) => `${i.primary ? "PK" : i.unique ? "UNIQUE" : "INDEX"} ${i.name}(${i.columns.join(",")})`).sort(),
        ]),
      );
    expect(describe(actual)).toEqual(describe(expected));
  });

  it("has the schema's foreign keys with their delete rules", () => {
    const describe = (s: SchemaShape) =>
      Object.fromEntries(
        [...s.tables].map(([t, table]) => [
          t,
          table.foreignKeys.map((f) => `${f.name}: (${f.columns.join(",")}) -> ${f.refTable}(${f.refColumns.join(",")}) ON DELETE ${f.onDelete}`).sort(),
        ]),
      );
    expect(describe(actual)).toEqual(describe(expected));
  });

  it("leaves nothing for a new migration to create", () => {
    expect(missingSql(expected, actual).trim()).toBe("");
  });
});
