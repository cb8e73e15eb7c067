// Who may do what in sales: every role against every sales mutation, the
// read side, and another tenant's ids reading as not found.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLE_PERMISSIONS, type Permission, type Role } from "../../../src/domain/access/permission.js";
import { asOwner } from "../../helpers/database.js";
import { ALL_ROLES, createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, "acl");
  other = await createTenant(t, "acl-other");
});
afterAll(() => t?.close());

let seq = 0;
async function gql(doc: string, variables: Record<string, unknown>, token: string) {
  return execute<Record<string, { userErrors?: { code: string; field: string[] }[] } & Record<string, unknown>>, Record<string, unknown>>(t.graphqlUrl, doc, variables, { token });
}

/** Runs as the OWNER and insists on success: fixtures for the matrix. */
async function must(doc: string, variables: Record<string, unknown>, pick: (data: Record<string, unknown>) => string, target: TestTenant = tenant): Promise<string> {
  const r = await gql(doc, variables, target.members.OWNER.token);
  const payload = Object.values(r.data ?? {})[0] as { userErrors?: unknown[] } | undefined;
  if (r.errors?.length || !payload || payload.userErrors?.length) throw new Error(`fixture failed: ${JSON.stringify(r.errors ?? payload)}`);
  return pick(payload as Record<string, unknown>);
}

const INGEST = `mutation AclIngest($input: LeadIngestInput!) { leadIngest(input: $input) { lead { id } userErrors { code field } } }`;
const DEAL = `mutation AclDeal($input: DealCreateInput!) { dealCreate(input: $input) { deal { id } userErrors { code field } } }`;
const TASK = `mutation AclTask($input: TaskCreateInput!) { taskCreate(input: $input) { task { id } userErrors { code field } } }`;

const newLead = (target: TestTenant = tenant) =>
  must(INGEST, { input: { email: `lead${++seq}@acl-co.com` } }, (p) => (p.lead as { id: string }).id, target);
const INGEST_FULL = `mutation AclIngestFull($input: LeadIngestInput!) { leadIngest(input: $input) { lead { id contact { id } company { id } } userErrors { code field } } }`;
/** A lead with its contact and company (a company domain of its own). */
const newRecords = (target: TestTenant = tenant) => {
  const n = ++seq;
  return must(INGEST_FULL, { input: { email: `rec${n}@acl-rec${n}.com`, companyName: `Rec ${n}` } }, (p) => JSON.stringify(p.lead), target).then(
    (json) => JSON.parse(json) as { id: string; contact: { id: string }; company: { id: string } },
  );
};
const newDeal = (target: TestTenant = tenant) => must(DEAL, { input: { name: `Deal ${++seq}`, amount: 10 } }, (p) => (p.deal as { id: string }).id, target);
const newTask = (target: TestTenant = tenant) => must(TASK, { input: { title: `Task ${++seq}` } }, (p) => (p.task as { id: string }).id, target);

interface MatrixCase {
  name: string;
  permission: Permission;
  document: string;
  variables: () => Promise<Record<string, unknown>>;
}

const CASES: MatrixCase[] = [
  { name: "leadIngest", permission: "lead:write", document: INGEST, variables: async () => ({ input: { email: `m${++seq}@matrix.com` } }) },
  {
    name: "leadImport",
    permission: "lead:write",
    document: `mutation AclImport($input: LeadImportInput!) { leadImport(input: $input) { created userErrors { code field } } }`,
    variables: async () => ({ input: { csv: `email\nimp${++seq}@matrix.com` } }),
  },
  {
    name: "leadQualify",
    permission: "lead:write",
    document: `mutation AclQualify($input: LeadQualifyInput!) { leadQualify(input: $input) { lead { id } userErrors { code field } } }`,
    variables: async () => ({ input: { leadId: await newLead() } }),
  },
  {
    name: "leadConvert",
    permission: "deal:write",
    document: `mutation AclConvert($input: LeadConvertInput!) { leadConvert(input: $input) { deal { id } userErrors { code field } } }`,
    variables: async () => ({ input: { leadId: await newLead(), amount: 5 } }),
  },
  {
    name: "leadUpdate",
    permission: "lead:write",
    document: `mutation AclLeadUpdate($input: LeadUpdateInput!) { leadUpdate(input: $input) { lead { id } userErrors { code field } } }`,
    variables: async () => ({ input: { leadId: await newLead(), source: "matrix" } }),
  },
  {
    name: "contactUpdate",
    permission: "lead:write",
    document: `mutation AclContactUpdate($input: ContactUpdateInput!) { contactUpdate(input: $input) { contact { id } userErrors { code field } } }`,
    variables: async () => ({ input: { contactId: (await newRecords()).contact.id, title: "Head of Matrix" } }),
  },
  {
    name: "companyUpdate",
    permission: "lead:write",
    document: `mutation AclCompanyUpdate($input: CompanyUpdateInput!) { companyUpdate(input: $input) { company { id } userErrors { code field } } }`,
    variables: async () => ({ input: { companyId: (await newRecords()).company.id, industry: "Matrix" } }),
  },
  { name: "dealCreate", permission: "deal:write", document: DEAL, variables: async () => ({ input: { name: "matrix deal", amount: 1 } }) },
  {
    name: "dealUpdate",
    permission: "deal:write",
    document: `mutation AclDealUpdate($input: DealUpdateInput!) { dealUpdate(input: $input) { deal { id } userErrors { code field } } }`,
    variables: async () => ({ input: { dealId: await newDeal(), amount: 99 } }),
  },
  {
    name: "dealProgress",
    permission: "deal:write",
    document: `mutation AclDealProgress($input: DealProgressInput!) { dealProgress(input: $input) { deal { id } userErrors { code field } } }`,
    variables: async () => ({ input: { dealId: await newDeal(), stage: "discovery" } }),
  },
  {
    name: "dealClose",
    permission: "deal:write",
    document: `mutation AclDealClose($input: DealCloseInput!) { dealClose(input: $input) { deal { id } userErrors { code field } } }`,
    variables: async () => ({ input: { dealId: await newDeal(), outcome: "WON" } }),
  },
  { name: "taskCreate", permission: "task:write", document: TASK, variables: async () => ({ input: { title: "matrix task" } }) },
  {
    name: "taskAssign",
    permission: "task:write",
    document: `mutation AclTaskAssign($input: TaskAssignInput!) { taskAssign(input: $input) { task { id } userErrors { code field } } }`,
    variables: async () => ({ input: { taskId: await newTask(), assigneeId: encodeGlobalID("User", tenant.members.OPERATOR.userId) } }),
  },
  {
    name: "taskComplete",
    permission: "task:write",
    document: `mutation AclTaskComplete($input: TaskCompleteInput!) { taskComplete(input: $input) { task { id } userErrors { code field } } }`,
    variables: async () => ({ input: { taskId: await newTask() } }),
  },
  {
    name: "taskCancel",
    permission: "task:write",
    document: `mutation AclTaskCancel($input: TaskCancelInput!) { taskCancel(input: $input) { task { id } userErrors { code field } } }`,
    variables: async () => ({ input: { taskId: await newTask() } }),
  },
  {
    name: "activityLog",
    permission: "lead:write",
    document: `mutation AclActivity($input: ActivityLogInput!) { activityLog(input: $input) { activity { id } userErrors { code field } } }`,
    variables: async () => ({ input: { type: "CALL", direction: "OUTBOUND", leadId: await newLead(), subject: "intro call" } }),
  },
  {
    name: "scoringModelTrain",
    permission: "scoring:manage",
    document: `mutation AclTrain($input: ScoringModelTrainInput) { scoringModelTrain(input: $input) { queued userErrors { code field } } }`,
    variables: async () => ({ input: {} }),
  },
  {
    name: "scoringUpdateSettings",
    permission: "scoring:manage",
    document: `mutation AclScoring($input: ScoringUpdateSettingsInput!) { scoringUpdateSettings(input: $input) { tenant { id } userErrors { code field } } }`,
    variables: async () => ({ input: { patch: { qualifyThreshold: 40 + (++seq % 20) } } }),
  },
  {
    name: "pipelineUpdateSettings",
    permission: "pipeline:manage",
    document: `mutation AclPipeline($input: PipelineUpdateSettingsInput!) { pipelineUpdateSettings(input: $input) { tenant { id } userErrors { code field } } }`,
    variables: async () => ({ input: { patch: { allowSkippingStages: true } } }),
  },
];

const EXPECTED: Record<string, Exclude<Role, "SERVICE">[]> = {
  "lead:write": ["OWNER", "ADMIN", "MANAGER", "OPERATOR"],
  "task:write": ["OWNER", "ADMIN", "MANAGER", "OPERATOR"],
  "deal:write": ["OWNER", "ADMIN", "MANAGER"],
  "scoring:manage": ["OWNER", "ADMIN", "MANAGER"],
  "pipeline:manage": ["OWNER", "ADMIN", "MANAGER"],
};

describe("role × mutation matrix", () => {
  it("matches the issue: ANALYST reads; OPERATOR works leads and tasks; MANAGER also deals, scoring and pipeline; ADMIN/OWNER everything", () => {
    for (const [permission, roles] of Object.entries(EXPECTED)) {
      expect(ALL_ROLES.filter((r) => ROLE_PERMISSIONS[r].has(permission as Permission))).toEqual(roles);
    }
  });

  for (const c of CASES) {
    it.each(ALL_ROLES.map((role) => [role]))(`${c.name} as %s`, async (role) => {
      const allowed = EXPECTED[c.permission]!.includes(role as Exclude<Role, "SERVICE">);
      const variables = await c.variables();
      const before = await auditCount();
      const r = await gql(c.document, variables, tenant.members[role as Exclude<Role, "SERVICE">].token);
      if (allowed) {
        expect(r.errors ?? []).toEqual([]);
        expect(Object.values(r.data!)[0]!.userErrors).toEqual([]);
      } else {
        expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
        expect(r.data ?? null).toBeNull();
        expect(await auditCount()).toBe(before);
      }
    });
  }
});

async function auditCount(): Promise<number> {
  return asOwner(t.db, async (c) => Number((await c.query(`SELECT count(*) AS n FROM "AuditEntry" WHERE "tenantId" = $1 AND "actorType" <> 'AGENT'`, [tenant.tenantId])).rows[0].n));
}

describe("reads", () => {
  it("lets every role read leads, deals and the pipeline summary", async () => {
    for (const role of ALL_ROLES) {
      const r = await gql(
        `query AclRead { leads(first: 1) { edges { node { id } } } deals(first: 1) { edges { node { id } } } pipelineSummary { openCount } scoringModels(first: 1) { edges { node { id } } } }`,
        {},
        tenant.members[role as Exclude<Role, "SERVICE">].token,
      );
      expect(r.errors ?? []).toEqual([]);
    }
  });

  it("refuses an API key scoped away from lead:read, also through node(id)", async () => {
    const key = await must(
      `mutation AclKey($input: ApiKeyCreateInput!) { apiKeyCreate(input: $input) { secret userErrors { code } } }`,
      { input: { name: "drafts only", role: "OPERATOR", scopes: ["DRAFT_READ"] } },
      (p) => p.secret as string,
    );
    const leadId = await newLead();
    const list = await gql(`query AclNoLeads { leads(first: 1) { edges { node { id } } } }`, {}, key);
    expect(list.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const node = await gql(`query AclNoNode($id: ID!) { node(id: $id) { ... on Lead { source } } }`, { id: leadId }, key);
    expect(node.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("cross-tenant access by global id", () => {
  it("reads another tenant's objects as not found and changes nothing", async () => {
    const leadId = await newLead(other);
    const dealId = await newDeal(other);
    const taskId = await newTask(other);
    const records = await newRecords(other);
    const owner = tenant.members.OWNER.token;
    const node = await gql(`query AclForeignNode($id: ID!) { node(id: $id) { id } }`, { id: leadId }, owner);
    expect(node.data?.node ?? null).toBeNull();
    const attempts: [string, Record<string, unknown>, string[]][] = [
      [`mutation AclForeignQualify($input: LeadQualifyInput!) { leadQualify(input: $input) { userErrors { code field } } }`, { input: { leadId, decision: "DISQUALIFY", reason: "x" } }, ["input", "leadId"]],
      [`mutation AclForeignConvert($input: LeadConvertInput!) { leadConvert(input: $input) { userErrors { code field } } }`, { input: { leadId } }, ["input", "leadId"]],
      [`mutation AclForeignProgress($input: DealProgressInput!) { dealProgress(input: $input) { userErrors { code field } } }`, { input: { dealId, stage: "proposal" } }, ["input", "dealId"]],
      [`mutation AclForeignClose($input: DealCloseInput!) { dealClose(input: $input) { userErrors { code field } } }`, { input: { dealId, outcome: "WON" } }, ["input", "dealId"]],
      [`mutation AclForeignUpdate($input: DealUpdateInput!) { dealUpdate(input: $input) { userErrors { code field } } }`, { input: { dealId, amount: 1 } }, ["input", "dealId"]],
      [`mutation AclForeignTask($input: TaskCompleteInput!) { taskComplete(input: $input) { userErrors { code field } } }`, { input: { taskId } }, ["input", "taskId"]],
      [`mutation AclForeignActivity($input: ActivityLogInput!) { activityLog(input: $input) { userErrors { code field } } }`, { input: { type: "NOTE", direction: "INTERNAL", leadId } }, ["input", "leadId"]],
      [`mutation AclForeignDeal($input: DealCreateInput!) { dealCreate(input: $input) { userErrors { code field } } }`, { input: { name: "x", leadId } }, ["input", "leadId"]],
      [`mutation AclForeignLeadUpdate($input: LeadUpdateInput!) { leadUpdate(input: $input) { userErrors { code field } } }`, { input: { leadId, status: "WORKING", source: "x" } }, ["input", "leadId"]],
      [`mutation AclForeignContactUpdate($input: ContactUpdateInput!) { contactUpdate(input: $input) { userErrors { code field } } }`, { input: { contactId: records.contact.id, doNotContact: true } }, ["input", "contactId"]],
      [`mutation AclForeignCompanyUpdate($input: CompanyUpdateInput!) { companyUpdate(input: $input) { userErrors { code field } } }`, { input: { companyId: records.company.id, name: "taken over" } }, ["input", "companyId"]],
      [`mutation AclForeignCompanyLink($input: ContactUpdateInput!) { contactUpdate(input: $input) { userErrors { code field } } }`, { input: { contactId: (await newRecords()).contact.id, companyId: records.company.id } }, ["input", "companyId"]],
      [`mutation AclForeignTaskCreate($input: TaskCreateInput!) { taskCreate(input: $input) { userErrors { code field } } }`, { input: { title: "x", dealId } }, ["input", "dealId"]],
    ];
    const snapshot = () =>
      asOwner(t.db, async (c) => ({
        records: (await c.query(`SELECT c.id, c."doNotContact", c."companyId", co.name FROM "Contact" c LEFT JOIN "Company" co ON co.id = c."companyId" ORDER BY c.id`)).rows,
        other: (await c.query(`SELECT l.status, d.stage, d.status AS deal, k.status AS task FROM "Lead" l, "Deal" d, "Task" k WHERE l."tenantId" = $1 AND d."tenantId" = $1 AND k."tenantId" = $1 ORDER BY l.id, d.id, k.id`, [other.tenantId])).rows,
        audit: Number((await c.query(`SELECT count(*) AS n FROM "AuditEntry" WHERE "actorType" <> 'AGENT'`)).rows[0].n),
      }));
    const before = await snapshot();
    for (const [doc, variables, field] of attempts) {
      const r = await gql(doc, variables, owner);
      expect(r.errors ?? []).toEqual([]);
      expect(Object.values(r.data!)[0]!.userErrors?.[0]).toMatchObject({ code: "NOT_FOUND", field });
    }
    expect(await snapshot()).toEqual(before);
    // Filtering by the other tenant's company, which has a lead there: its own members find the lead…
    const byCompany = `query AclForeignFilter($id: ID!) { leads(first: 5, filter: { companyId: $id }) { edges { node { id } } } }`;
    const leadsOf = (r: Awaited<ReturnType<typeof gql>>) => (r.data as unknown as { leads: { edges: { node: { id: string } }[] } }).leads.edges.map((e) => e.node.id);
    const own = await gql(byCompany, { id: records.company.id }, other.members.OWNER.token);
    expect(own.errors ?? []).toEqual([]);
    expect(leadsOf(own)).toEqual([records.id]);
    // …and this tenant's owner finds nothing.
    const foreign = await gql(byCompany, { id: records.company.id }, owner);
    expect(foreign.errors ?? []).toEqual([]);
    expect(leadsOf(foreign)).toEqual([]);
  });
});
