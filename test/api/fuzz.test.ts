// Property-based fuzzing of the whole API surface: the built schema is
// walked (every query and mutation field, every argument, recursively into
// input objects) and fast-check generates malformed values for them — NUL
// bytes, lone UTF-16 surrogates, huge strings, wrong types, JSON nested
// thousands of levels deep, keys named like built-ins, bad global ids and
// cursors, negative and huge numbers. Each operation goes over real HTTP to
// the real service as an OWNER. No answer may be an internal error: no
// INTERNAL_SERVER_ERROR, no HTTP 5xx, no stack trace, file path or SQL text.
//
// Bounded for CI: a fixed seed and FUZZ_RUNS runs per field (default 3, so
// about 3 × the number of fields requests). Raise it locally with
// FUZZ_RUNS=50; a failure prints the seed and the counterexample to replay.
import { encodeGlobalID } from "@pothos/plugin-relay";
import fc from "fast-check";
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSchema } from "../../src/api/schema/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 3);
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  // Development mode: internal errors would carry their messages, so a leak shows.
  t = await startTestApp({ env: { NODE_ENV: "development", GRAPHIQL_ENABLED: "false", AGENT_WORKERS: "0", SEND_WORKERS: "0" } });
  tenant = await createTenant(t, "fuzz");
  // Real ids too, so that malformed text reaches the updates of existing objects.
  const seeded = await send(
    `mutation { leadIngest(input: { email: "fuzz.seed@acme-fuzz.com", firstName: "Seed", companyName: "Acme Fuzz", companyDomain: "acme-fuzz.com" }) { lead { id contact { id } company { id } } userErrors { message } } }`,
    {},
  );
  const lead = (JSON.parse(seeded.text) as { data: { leadIngest: { lead: { id: string; contact: { id: string }; company: { id: string } } } } }).data.leadIngest.lead;
  realIds.push(lead.id, lead.contact.id, lead.company.id, encodeGlobalID("User", tenant.members.OPERATOR.userId), encodeGlobalID("Membership", tenant.members.ANALYST.membershipId));
}, 120_000);

const realIds: string[] = [];
afterAll(() => t?.close());

// --- generators -------------------------------------------------------------

const NUL = "a\u0000b";
const LONE_HIGH = "x\uD800y";
const LONE_LOW = "\uDC00";
const TYPES = ["Lead", "Draft", "Contact", "Company", "Deal", "Task", "User", "Membership", "ApiKey", "Nope"];

const deepJson = (depth: number): unknown => {
  let v: unknown = "bottom";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
};
// JSON.stringify runs out of stack on thousands of levels: a marker is replaced by hand-written JSON text.
const DEEP_MARKER = "\u2063deep-json\u2063";
const DEEP_TEXT = `${'{"k":['.repeat(2500)}"bottom"${"]}".repeat(2500)}`;
const protoObject = (key: string) => JSON.parse(`{"${key}": {"polluted": true}, "ok": 1}`) as unknown;

const badText = fc.oneof(
  fc.constant(NUL),
  fc.constant(LONE_HIGH),
  fc.constant(LONE_LOW),
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000`),
  fc.constant("x".repeat(100_000)),
  fc.constant("__proto__"),
  fc.constant("constructor"),
);
const goodText = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("a@example.com", "acme.com", "2026-12-31", "Europe/Berlin", "sales.lead.*"));
const uuid = fc.uuid({ version: 4 });
const badId = fc.oneof(
  fc.nat().map((n) => realIds[n % realIds.length] ?? "none"),
  uuid.chain((id) => fc.constantFrom(...TYPES).map((type) => encodeGlobalID(type, id))),
  fc.constantFrom(...TYPES).map((type) => encodeGlobalID(type, "not-a-uuid")),
  fc.constant(encodeGlobalID("Lead", "00000000-0000-0000-0000-00000000000g")),
  fc.constant(Buffer.from("garbage").toString("base64")),
  fc.constant("%%%"),
  fc.constant(""),
  badText,
);
const badCursor = fc.oneof(
  fc.constant(Buffer.from("GPC:S:not-a-uuid").toString("base64")),
  fc.constant(Buffer.from("GPC:J:{broken").toString("base64")),
  fc.constant(Buffer.from("GPC:N:1e999").toString("base64")),
  fc.constant("!!!"),
  uuid.map((id) => Buffer.from(`GPC:S:${id}`).toString("base64")),
  badText,
);
const badJson = fc.oneof(
  fc.constant(DEEP_MARKER),
  fc.constant(deepJson(40)),
  fc.constant(protoObject("__proto__")),
  fc.constant(protoObject("constructor")),
  fc.constant({ note: NUL }),
  fc.constant({ [NUL]: 1 }),
  fc.constant([LONE_HIGH]),
  fc.jsonValue({ maxDepth: 3 }),
);
const wrongType = fc.constantFrom<unknown>({}, [], "x", 1.5, true, -1);
// The last three are not GraphQL Ints (the request is refused before it runs): rarer.
const badInt = fc.oneof({ arbitrary: fc.constantFrom(-1, 0, -2147483648, 2147483647), weight: 6 }, { arbitrary: fc.constantFrom(2147483648, 1e12, 1.5), weight: 1 });
const badFloat = fc.constantFrom(-1, 0, -1e308, 1e308, 1e-320, 0.1);

function arbFor(type: GraphQLInputType, name: string, depth: number): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return arbInner(type.ofType, name, depth);
  return fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, { arbitrary: arbInner(type, name, depth), weight: 4 });
}

function arbInner(type: GraphQLInputType, name: string, depth: number): fc.Arbitrary<unknown> {
  if (isListType(type)) {
    if (depth > 4) return fc.constant([]);
    return fc.oneof({ arbitrary: fc.array(arbFor(type.ofType as GraphQLInputType, name, depth + 1), { maxLength: 3 }), weight: 19 }, { arbitrary: wrongType, weight: 1 });
  }
  if (isInputObjectType(type)) {
    if (depth > 4) return fc.constant({});
    const fields = Object.values(type.getFields());
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of fields) shape[f.name] = arbFor(f.type, f.name, depth + 1);
    const required = fields.filter((f) => isNonNullType(f.type)).map((f) => f.name);
    return fc.record(shape, { requiredKeys: required });
  }
  if (isEnumType(type)) {
    return fc.oneof({ arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)), weight: 19 }, { arbitrary: fc.constant("NOT_A_VALUE"), weight: 1 });
  }
  if (isScalarType(type)) {
    if (name === "after" || name === "before") return badCursor;
    switch (type.name) {
      case "String":
        return fc.oneof({ arbitrary: badText, weight: 10 }, { arbitrary: goodText, weight: 9 }, { arbitrary: wrongType, weight: 1 });
      case "ID":
        return fc.oneof({ arbitrary: fc.nat().map((n) => realIds[n % realIds.length] ?? "none"), weight: 9 }, { arbitrary: badId, weight: 10 }, { arbitrary: wrongType, weight: 1 });
      case "Int":
        return fc.oneof({ arbitrary: badInt, weight: 1 }, { arbitrary: fc.integer({ min: -5, max: 200 }), weight: 3 });
      case "Float":
        return badFloat;
      case "Boolean":
        return fc.oneof({ arbitrary: fc.boolean(), weight: 19 }, { arbitrary: wrongType, weight: 1 });
      case "DateTime":
        return fc.oneof(fc.constantFrom("2026-01-01T00:00:00Z", "0000-00-00", "2026-13-45T99:00:00Z", "+275760-09-13T00:00:00.001Z"), badText);
      case "JSON":
        return badJson;
      default:
        return fc.oneof(goodText, badText);
    }
  }
  return fc.constant(null);
}

// --- operations ------------------------------------------------------------

function typeString(type: GraphQLInputType): string {
  return type.toString();
}

function selectionFor(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  if (isObjectType(named) || isInterfaceType(named) || isUnionType(named)) return " { __typename }";
  return "";
}

function documentFor(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>): string {
  const vars = field.args.map((a: GraphQLArgument) => `$${a.name}: ${typeString(a.type)}`).join(", ");
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(", ");
  return `${kind} Fuzz${vars ? `(${vars})` : ""} { ${field.name}${args ? `(${args})` : ""}${selectionFor(field)} }`;
}

const LEAK = /node_modules|\.(?:ts|js|mjs):\d+|\bat [\w.<>$]+ \(|\binvalid input syntax\b|\bviolates\b|PrismaClient|prisma\.\w+\.|\b(?:SELECT|INSERT|UPDATE) .* (?:FROM|INTO|SET)\b|\bpostgres|\bunsupported Unicode escape|Maximum call stack/;

interface Finding {
  field: string;
  status: number;
  codes: string[];
  message: string;
  variables: string;
}

async function send(query: string, variables: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const response = await fetch(t.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tenant.members.OWNER.token}` },
    body: JSON.stringify({ query, variables }).split(JSON.stringify(DEEP_MARKER)).join(DEEP_TEXT),
  });
  return { status: response.status, text: await response.text() };
}

function judge(field: string, variables: Record<string, unknown>, r: { status: number; text: string }): Finding | null {
  let body: { errors?: { message: string; extensions?: { code?: string } }[] } = {};
  try {
    body = JSON.parse(r.text);
  } catch {
    return { field, status: r.status, codes: ["NON_JSON"], message: r.text.slice(0, 200), variables: JSON.stringify(variables).slice(0, 300) };
  }
  const errors = body.errors ?? [];
  const codes = errors.map((e) => String(e.extensions?.code));
  const errorText = JSON.stringify(errors);
  if (r.status >= 500 || codes.includes("INTERNAL_SERVER_ERROR") || codes.includes("undefined") || LEAK.test(errorText)) {
    return { field, status: r.status, codes, message: errors.map((e) => e.message).join(" | ").slice(0, 300), variables: JSON.stringify(variables).slice(0, 300) };
  }
  return null;
}

describe("fuzzing every argument of every operation", () => {
  const schema = buildSchema();
  const operations: { kind: "query" | "mutation"; field: GraphQLField<unknown, unknown> }[] = [
    ...Object.values(schema.getQueryType()!.getFields()).map((field) => ({ kind: "query" as const, field })),
    ...Object.values(schema.getMutationType()!.getFields()).map((field) => ({ kind: "mutation" as const, field })),
  ].filter((op) => op.field.args.length > 0);

  it(`finds no internal error in ${operations.length} operations × ${RUNS} runs (seed ${SEED})`, async () => {
    const findings: Finding[] = [];
    for (const [i, { kind, field }] of operations.entries()) {
      const query = documentFor(kind, field);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const a of field.args) shape[a.name] = arbFor(a.type, a.name, 0);
      const required = field.args.filter((a) => isNonNullType(a.type)).map((a) => a.name);
      const args = fc.record(shape, { requiredKeys: required });
      const before = findings.length;
      const result = await fc.check(
        fc.asyncProperty(args, async (variables) => {
          const finding = judge(`${kind} ${field.name}`, variables, await send(query, variables));
          if (finding) findings.push(finding);
          return finding === null;
        }),
        { numRuns: RUNS, seed: SEED + i, endOnFailure: true },
      );
      // A property that threw (the request could not even be sent) is a finding too.
      if (result.failed && findings.length === before) {
        findings.push({ field: `${kind} ${field.name}`, status: 0, codes: ["THREW"], message: String(result.errorInstance).slice(0, 300), variables: JSON.stringify(result.counterexample).slice(0, 300) });
      }
    }
    if (findings.length) console.log(`fuzz findings (${findings.length}):\n${findings.map((f) => JSON.stringify(f)).join("\n")}`);
    expect(findings.map((f) => `${f.field}: ${f.status} ${f.codes.join(",")} ${f.message}`)).toEqual([]);
  }, 300_000);
});
