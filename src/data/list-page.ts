// Hand-written list pages (issue 14, read path): one SQL statement per page,
// with the to-one relations the request asks for (a lead's contact and
// company, a draft's contact…) joined in, instead of Prisma's query per
// relation level and its result processing. The profile of `leads(first: 50)`
// showed most of the request's CPU in @prisma/client's query interpreter and
// result mapping for three queries, where one join does.
//
// Tenancy is unchanged: the statement runs through `RequestSession.readSql`, i.e.
// inside the request's read-only transaction as the service role with the tenant set, so
// row-level security filters every table the statement touches (the listed
// one, the joined ones, and the cursor's row) — nothing here bypasses it, and
// no tenant id is taken from the caller.
//
// Semantics are Prisma's, so a resolver can use either: the same rows in the
// same order, Prisma's cursor pagination (rows strictly after the cursor's row
// in the ordering; a cursor whose row is not visible gives an empty page; a
// negative take reads backwards), and rows shaped like Prisma's results (the
// scalar columns asked for — every one by default, as Prisma's include, or those
// of a `select` — typed by Prisma's raw-query mapping — Date, Decimal, JSON —
// plus each joined relation as an object or null). `pagePlan` says when a
// request's selection is one this can serve; anything else (to-many
// relations, nested relations, counts) stays on Prisma. Only models without
// encrypted fields may use it (see ALLOWED): their columns are read as stored.
import { readFileSync } from "node:fs";
import { Prisma, type SqlStatement, type Tx } from "./database.js";
import { projectPath } from "../config/project-path.js";

/** Runs one statement in the caller's tenant transaction: RequestSession.readSql, or a Prisma transaction (sqlIn). */
export type RunSql = <R>(statement: SqlStatement) => Promise<R[]>;

/** A RunSql over a Prisma transaction (use cases and tests already inside withTenant). */
export function sqlIn(tx: Tx): RunSql {
  return <R>(statement: SqlStatement) => tx.$queryRawUnsafe<R[]>(statement.text, ...statement.values);
}

interface DmField {
  name: string;
  kind: "scalar" | "enum" | "object" | "unsupported";
  type: string;
  isList: boolean;
  relationFromFields?: string[] | null;
  relationToFields?: string[] | null;
}

/** The list models that have a hand-written page (none of them has encrypted fields). */
const ALLOWED = new Set(["Lead", "Contact", "Company", "Deal", "Draft", "Recommendation", "AuditEntry"]);

let models: Map<string, DmField[]> | null = null;
function fieldsOf(model: string): DmField[] {
  if (!models) {
    const dm = JSON.parse(readFileSync(projectPath("src", "generated", "datamodel.json"), "utf8")) as { models: { name: string; fields: DmField[] }[] };
    models = new Map(dm.models.map((m) => [m.name, m.fields]));
  }
  const fields = models.get(model);
  if (!fields) throw new Error(`Unknown model ${model}`);
  return fields;
}

const scalarCache = new Map<string, DmField[]>();
function scalarColumns(model: string): DmField[] {
  let columns = scalarCache.get(model);
  if (!columns) scalarCache.set(model, (columns = fieldsOf(model).filter((f) => f.kind === "scalar" || f.kind === "enum")));
  return columns;
}
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** What Pothos hands a connection resolver: the page (take/skip/cursor) and the selection (include/select). */
export interface PageQuery {
  take?: number;
  skip?: number;
  cursor?: { id?: unknown };
  include?: Record<string, unknown>;
  select?: Record<string, unknown>;
}

export interface OrderTerm {
  /** A scalar field of the model. The last term must be `id` (unique, so the order is total). */
  field: string;
  dir: "asc" | "desc";
  /** As in Prisma's `{ sort, nulls }`; when absent PostgreSQL's default applies (asc: last, desc: first). */
  nulls?: "first" | "last";
}

/**
 * The columns a page reads: of the listed table (`own`) and of each joined
 * relation, by relation name. Null (or absent) means every column. `id` is
 * always read. A name that is not a column of its table reads every column.
 */
export interface PageColumns {
  own?: readonly string[] | null;
  joins?: Record<string, readonly string[] | null | undefined>;
}

export interface PagePlan {
  model: string;
  /** To-one relations to join, by relation field name. */
  joins: { name: string; model: string; on: [from: string, to: string][] }[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether the page can be served by one statement: only scalar fields and
 * to-one relations whose own selection is scalar. Null means "use Prisma".
 */
export function pagePlan(model: string, query: PageQuery): PagePlan | null {
  if (!ALLOWED.has(model)) return null;
  for (const key of Object.keys(query)) if (!["take", "skip", "cursor", "include", "select"].includes(key)) return null;
  if (query.skip !== undefined && query.skip !== 0 && !(query.skip === 1 && query.cursor)) return null;
  if (query.cursor !== undefined) {
    const keys = Object.keys(query.cursor);
    // A malformed cursor keeps Prisma's own error.
    if (keys.length !== 1 || typeof query.cursor.id !== "string" || !UUID.test(query.cursor.id)) return null;
  }
  const fields = new Map(fieldsOf(model).map((f) => [f.name, f]));
  const joins: PagePlan["joins"] = [];
  for (const selection of [query.include, query.select]) {
    if (!selection) continue;
    for (const [name, value] of Object.entries(selection)) {
      if (!value) continue;
      const field = fields.get(name);
      if (!field) return null; // _count and the like
      if (field.kind !== "object") continue;
      if (field.isList || !ALLOWED.has(field.type) || !scalarOnly(field.type, value)) return null;
      const from = field.relationFromFields ?? [];
      const to = field.relationToFields ?? [];
      if (!from.length || from.length !== to.length) return null;
      joins.push({ name, model: field.type, on: from.map((f, i) => [f, to[i]!]) });
    }
  }
  return { model, joins };
}

/** A relation's nested selection asks for scalar fields only. */
function scalarOnly(model: string, value: unknown): boolean {
  if (value === true) return true;
  if (typeof value !== "object" || value === null) return false;
  const fields = new Map(fieldsOf(model).map((f) => [f.name, f]));
  for (const [key, nested] of Object.entries(value)) {
    if (key !== "select" && key !== "include") return false;
    if (!nested || typeof nested !== "object") continue;
    for (const [name, on] of Object.entries(nested as Record<string, unknown>)) {
      if (!on) continue;
      const field = fields.get(name);
      if (!field || field.kind === "object" || field.kind === "unsupported") return false;
    }
  }
  return true;
}

/**
 * The page's rows, in one statement, run by `run` inside the request's tenant
 * transaction. `where` holds conditions on the listed table, aliased `t`.
 */
export async function readPage<T = Record<string, unknown>>(
  run: RunSql,
  plan: PagePlan,
  query: PageQuery,
  orderBy: OrderTerm[],
  where: Prisma.Sql[] = [],
  read: PageColumns = {},
): Promise<T[]> {
  if (orderBy.at(-1)?.field !== "id") throw new Error("The last order term must be id.");
  const take = query.take ?? 50;
  const backward = take < 0;
  // Backwards (last/before) is forwards in the reversed order, then the rows turned round (as Prisma does).
  const terms = backward
    ? orderBy.map((o) => ({ field: o.field, dir: o.dir === "asc" ? ("desc" as const) : ("asc" as const), nulls: flip(effectiveNulls(o)) }))
    : orderBy.map((o) => ({ ...o, nulls: effectiveNulls(o) }));
  const columns = columnsOf(plan.model, read.own).map((name) => `t.${ident(name)} AS ${ident(name)}`);
  const joins: string[] = [];
  plan.joins.forEach((j, i) => {
    const alias = `j${i}`;
    for (const name of columnsOf(j.model, read.joins?.[j.name])) columns.push(`${alias}.${ident(name)} AS ${ident(`${j.name}.${name}`)}`);
    columns.push(`(${alias}.${ident(j.on[0]![1])} IS NOT NULL) AS ${ident(`${j.name}.$present`)}`);
    joins.push(`LEFT JOIN ${ident(j.model)} ${alias} ON ${j.on.map(([from, to]) => `${alias}.${ident(to)} = t.${ident(from)}`).join(" AND ")}`);
  });
  const conditions = [...where];
  let from = Prisma.raw(`${ident(plan.model)} t`);
  if (query.cursor) {
    // The cursor's row, read under RLS like the rest: another tenant's id finds nothing, so the page is empty.
    const cursorColumns = terms.map((o) => ident(o.field)).join(", ");
    from = Prisma.sql`${Prisma.raw(`${ident(plan.model)} t CROSS JOIN (SELECT ${cursorColumns} FROM ${ident(plan.model)} WHERE id = `)}${query.cursor.id as string}${Prisma.raw("::uuid) c")}`;
    conditions.push(Prisma.raw(`(${afterCursor(terms)})`));
  }
  const order = terms.map((o) => `t.${ident(o.field)} ${o.dir.toUpperCase()} NULLS ${o.nulls.toUpperCase()}`).join(", ");
  const statement = Prisma.sql`SELECT ${Prisma.raw(columns.join(", "))} FROM ${from} ${Prisma.raw(joins.join(" "))}
    ${conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}` : Prisma.empty}
    ORDER BY ${Prisma.raw(order)} LIMIT ${Math.abs(take)}`;
  const rows = await run<Record<string, unknown>>(statement);
  const shaped = rows.map((row) => shape(row, plan));
  if (backward) shaped.reverse();
  return shaped as T[];
}

/** The columns of `model` to read, in the model's order: `wanted` and id, or every column. */
function columnsOf(model: string, wanted: readonly string[] | null | undefined): string[] {
  const all = scalarColumns(model).map((f) => f.name);
  if (!wanted) return all;
  const set = new Set(wanted);
  set.add("id");
  for (const name of set) if (!all.includes(name)) return all;
  return all.filter((name) => set.has(name));
}

function effectiveNulls(o: OrderTerm): "first" | "last" {
  return o.nulls ?? (o.dir === "asc" ? "last" : "first");
}
const flip = (n: "first" | "last") => (n === "first" ? ("last" as const) : ("first" as const));

/** `t` comes strictly after the cursor row `c` in the ordering (id last, so ties cannot happen). */
function afterCursor(terms: { field: string; dir: "asc" | "desc"; nulls: "first" | "last" }[]): string {
  const alternatives = terms.map((o, i) => {
    const equalBefore = terms.slice(0, i).map((p) => `t.${ident(p.field)} IS NOT DISTINCT FROM c.${ident(p.field)}`);
    const a = `t.${ident(o.field)}`;
    const b = `c.${ident(o.field)}`;
    const op = o.dir === "asc" ? ">" : "<";
    const after = o.nulls === "last" ? `(${b} IS NOT NULL AND (${a} IS NULL OR ${a} ${op} ${b}))` : `(${a} IS NOT NULL AND (${b} IS NULL OR ${a} ${op} ${b}))`;
    return [...equalBefore, after].join(" AND ");
  });
  return alternatives.map((a) => `(${a})`).join(" OR ");
}

/** Splits `relation.field` columns into nested objects (null when the joined row is absent). */
function shape(row: Record<string, unknown>, plan: PagePlan): Record<string, unknown> {
  if (!plan.joins.length) return row;
  const out: Record<string, unknown> = {};
  const nested: Record<string, Record<string, unknown>> = {};
  for (const j of plan.joins) nested[j.name] = {};
  for (const [key, value] of Object.entries(row)) {
    const dot = key.indexOf(".");
    if (dot < 0) out[key] = value;
    else nested[key.slice(0, dot)]![key.slice(dot + 1)] = value;
  }
  for (const j of plan.joins) {
    const { $present, ...fields } = nested[j.name]!;
    out[j.name] = $present ? fields : null;
  }
  return out;
}
