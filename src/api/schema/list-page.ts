// List connections served by one hand-written statement (src/data/list-page.ts)
// when the request's selection allows it, and by Prisma otherwise: the same
// rows, order and cursors either way (test/api/list-page.test.ts compares them).
import { pagePlan, readPage, type OrderTerm, type PageQuery } from "../../data/list-page.js";
import { Prisma } from "../../data/database.js";
import type { GraphQLContext } from "../context.js";

/**
 * `where` is null when the filter has a condition only the Prisma query
 * expresses (text search, case-insensitive matches): then Prisma serves the page.
 */
export function listPage<T>(
  ctx: GraphQLContext,
  model: string,
  query: PageQuery,
  orderBy: OrderTerm[],
  where: Prisma.Sql[] | null,
  viaPrisma: () => Promise<T[]>,
): Promise<T[]> {
  const plan = where ? pagePlan(model, query) : null;
  if (!plan || !where) return viaPrisma();
  return readPage<T>((statement) => ctx.session.readSql(statement), plan, query, orderBy, where);
}

/** `t.<column> = id` for a filter's decoded id; an id that names nothing (`{ in: [] }`) matches nothing, as in Prisma. */
export function idCondition(column: string, id: string | { in: string[] }): Prisma.Sql {
  if (typeof id !== "string") return Prisma.sql`FALSE`;
  return Prisma.sql`${Prisma.raw(`t."${column}"`)} = ${id}::uuid`;
}
