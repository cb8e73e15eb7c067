// Multi-row inserts in one statement: one array parameter per column,
// unnested by PostgreSQL. For batches (imports, buffered audit entries and
// events), where one INSERT per row, or Prisma's createMany with a parameter
// per value, costs far more than the insert itself.
import type { Tx } from "./database.js";

/**
 * A column and the PostgreSQL type of its array parameter (uuid, text, int4, bool, timestamptz, jsonb, or an
 * enum name). An array column ("real[]") takes each row's value as an array literal string ('{1,2}'): a
 * parameter of arrays would be one multi-dimensional array, which unnest flattens. `select`, when given,
 * computes the stored value from the unnested one in SQL (e.g. to_tsvector of a text that is not itself stored).
 */
export type BulkColumn = readonly [name: string, type: string, select?: (value: string) => string];

export async function insertRows(tx: Tx, table: string, columns: readonly BulkColumn[], rows: Record<string, unknown>[]): Promise<number> {
  if (rows.length === 0) return 0;
  const { text, values } = insertRowsStatement(table, columns, rows);
  return tx.$executeRawUnsafe(text, ...values);
}

/** The statement insertRows runs, for a caller that runs it itself (a unit of work's SQL lane). */
export function insertRowsStatement(table: string, columns: readonly BulkColumn[], rows: Record<string, unknown>[]): { text: string; values: unknown[] } {
  const names = columns.map(([name]) => `"${name}"`).join(", ");
  const viaText = (type: string) => type === "jsonb" || type.endsWith("[]");
  const arrays = columns.map(([, type], i) => `$${i + 1}::${viaText(type) ? "text" : quoteType(type)}[]`).join(", ");
  const select = columns
    .map(([, type, compute], i) => {
      const value = viaText(type) ? `c${i}::${type === "jsonb" ? "jsonb" : quoteType(type.slice(0, -2)) + "[]"}` : `c${i}`;
      return compute ? compute(value) : value;
    })
    .join(", ");
  const aliases = columns.map((_, i) => `c${i}`).join(", ");
  const params = columns.map(([name, type]) =>
    rows.map((row) => {
      const value = row[name];
      if (value === undefined || value === null) return null;
      if (type === "jsonb") return JSON.stringify(value);
      if (value instanceof Date) return value.toISOString();
      return value;
    }),
  );
  return { text: `INSERT INTO "${table}" (${names}) SELECT ${select} FROM unnest(${arrays}) AS t(${aliases})`, values: params };
}

function quoteType(type: string): string {
  return /^[a-z0-9_]+$/.test(type) ? type : `"${type}"`;
}
