// List connections served by one hand-written statement (src/data/list-page.ts)
// when the request's selection allows it, and by Prisma otherwise: the same
// rows, order and cursors either way (test/api/list-page.test.ts compares them).
//
// The statement reads only the columns the request's selection needs (issue 14:
// reading every column of three tables, JSON attributes included, cost more than
// the rest of the statement). They come from the GraphQL selection of the
// connection's nodes: an exposed field reads its own column, a to-one relation
// reads what its own selection needs from the joined table, a field with its own
// resolver reads the columns it declares with `reads(...)`, `id` is always read
// (global ids and cursors). A field that declares nothing makes the page read
// every column of its table, as before — a new field can cost speed, never
// correctness.
import {
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from "graphql";
import { pagePlan, readPage, type OrderTerm, type PageColumns, type PageQuery } from "../../data/list-page.js";
import { Prisma } from "../../data/database.js";
import type { GraphQLContext } from "../context.js";

/**
 * `where` is null when the filter has a condition only the Prisma query
 * expresses (text search, case-insensitive matches): then Prisma serves the page.
 */
export function listPage<T>(
  ctx: GraphQLContext,
  info: GraphQLResolveInfo,
  model: string,
  query: PageQuery,
  orderBy: OrderTerm[],
  where: Prisma.Sql[] | null,
  viaPrisma: () => Promise<T[]>,
): Promise<T[]> {
  const plan = where ? pagePlan(model, query) : null;
  if (!plan || !where) return viaPrisma();
  return readPage<T>((statement) => ctx.session.readSql(statement), plan, query, orderBy, where, pageColumns(info));
}

/** `t.<column> = id` for a filter's decoded id; an id that names nothing (`{ in: [] }`) matches nothing, as in Prisma. */
export function idCondition(column: string, id: string | { in: string[] }): Prisma.Sql {
  if (typeof id !== "string") return Prisma.sql`FALSE`;
  return Prisma.sql`${Prisma.raw(`t."${column}"`)} = ${id}::uuid`;
}

/**
 * Field extensions of a field with its own resolver on a list type: the columns
 * of its parent row it reads (none: `reads()`). `id` need not be named.
 */
export function reads(...columns: string[]): { pageColumns: readonly string[] } {
  return { pageColumns: columns };
}

/** What a type's selection reads: its columns (null: every column) and, per to-one relation, the relation's own. */
export interface ColumnNeed {
  columns: Set<string> | null;
  relations: Map<string, ColumnNeed>;
}

interface RelationFieldExtension {
  name: string;
  isList: boolean;
}

/** The columns the connection field `info` resolves needs for its nodes (edges.node and nodes). */
export function pageColumns(info: GraphQLResolveInfo): PageColumns {
  const connection = getNamedType(info.returnType) as GraphQLObjectType;
  const nodeFields: FieldNode[] = [];
  const edgeFields: FieldNode[] = [];
  for (const fieldNode of info.fieldNodes) {
    for (const field of selectedFields(info, connection, fieldNode.selectionSet)) {
      if (field.name.value === "nodes") nodeFields.push(field);
      else if (field.name.value === "edges") edgeFields.push(field);
    }
  }
  const edgesType = connection.getFields().edges ? (getNamedType(connection.getFields().edges!.type) as GraphQLObjectType) : null;
  if (edgesType) for (const edge of edgeFields) for (const field of selectedFields(info, edgesType, edge.selectionSet)) if (field.name.value === "node") nodeFields.push(field);
  const nodeType = edgesType ? (getNamedType(edgesType.getFields().node!.type) as GraphQLObjectType) : null;
  const need = nodeType ? needOf(info, nodeType, nodeFields) : { columns: null, relations: new Map<string, ColumnNeed>() };
  return toPageColumns(need);
}

function toPageColumns(need: ColumnNeed): PageColumns {
  return {
    own: need.columns ? [...need.columns] : null,
    joins: Object.fromEntries([...need.relations].map(([name, nested]) => [name, nested.columns ? [...nested.columns] : null])),
  };
}

/** What the selections `fieldNodes` (each selecting an object of `type`) read from its row. */
export function needOf(info: GraphQLResolveInfo, type: GraphQLObjectType, fieldNodes: readonly FieldNode[]): ColumnNeed {
  const need: ColumnNeed = { columns: new Set(["id"]), relations: new Map() };
  const all = () => (need.columns = null);
  const fields = type.getFields();
  for (const parent of fieldNodes) {
    for (const node of selectedFields(info, type, parent.selectionSet)) {
      const name = node.name.value;
      if (name === "__typename") continue;
      const field = fields[name];
      if (!field) {
        all();
        continue;
      }
      const ext = field.extensions as { pothosPrismaRelationField?: RelationFieldExtension; pothosExposedField?: unknown; pageColumns?: readonly string[] };
      if (ext.pothosPrismaRelationField) {
        const relation = ext.pothosPrismaRelationField;
        const target = getNamedType(field.type);
        if (relation.isList || !isObjectType(target)) {
          all();
          continue;
        }
        const nested = needOf(info, target, [node]);
        const seen = need.relations.get(relation.name);
        need.relations.set(relation.name, seen ? merge(seen, nested) : nested);
      } else if (typeof ext.pothosExposedField === "string") {
        need.columns?.add(ext.pothosExposedField);
      } else if (ext.pageColumns) {
        for (const column of ext.pageColumns) need.columns?.add(column);
      } else if (name === "id" && type.getInterfaces().some((i) => i.name === "Node")) {
        // The global id, from the id column (already read).
      } else {
        all();
      }
    }
  }
  return need;
}

function merge(a: ColumnNeed, b: ColumnNeed): ColumnNeed {
  const columns = a.columns && b.columns ? new Set([...a.columns, ...b.columns]) : null;
  const relations = new Map(a.relations);
  for (const [name, need] of b.relations) relations.set(name, relations.has(name) ? merge(relations.get(name)!, need) : need);
  return { columns, relations };
}

/**
 * The fields a selection set selects on `type`, fragments expanded (those whose
 * type condition `type` meets), minus those @skip/@include leave out. A
 * deferred fragment's fields count as selected (reading more is always safe).
 */
function selectedFields(info: GraphQLResolveInfo, type: GraphQLObjectType, selectionSet: SelectionSetNode | undefined, seen = new Set<string>()): FieldNode[] {
  if (!selectionSet) return [];
  const out: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (!included(info, selection)) continue;
    if (selection.kind === Kind.FIELD) {
      out.push(selection);
      continue;
    }
    let fragmentSet: SelectionSetNode;
    let condition: string | undefined;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      condition = selection.typeCondition?.name.value;
      fragmentSet = selection.selectionSet;
    } else {
      const name = selection.name.value;
      if (seen.has(name)) continue;
      seen.add(name);
      const fragment = info.fragments[name];
      if (!fragment) continue;
      condition = fragment.typeCondition.name.value;
      fragmentSet = fragment.selectionSet;
    }
    if (condition && condition !== type.name && !type.getInterfaces().some((i) => i.name === condition)) continue;
    out.push(...selectedFields(info, type, fragmentSet, seen));
  }
  return out;
}

function included(info: GraphQLResolveInfo, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (!node.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.if !== false;
}
