// Lead ingest, identity resolution, import with bad rows, qualification and
// scoring, over real HTTP against a real database.
import { decodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { asOwner } from "../../helpers/database.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { executeOk } from "../../helpers/graphql.js";

const Ingest = graphql(`
  mutation SalesLeadIngest($input: LeadIngestInput!) {
    leadIngest(input: $input) {
      result
      matchedBy
      notes
      lead {
        id
        status
        source
        attributes
        outcome
        contact { id email emailOriginal firstName lastName title seniority doNotContact }
        company { id name domains industry employeeCount country }
        deals { id stage amount currency probability }
      }
      userErrors { field message code }
    }
  }
`);

const Import = graphql(`
  mutation SalesLeadImport($input: LeadImportInput!) {
    leadImport(input: $input) {
      created
      merged
      unchanged
      rejected
      rows { row status leadId matchedBy notes errors { field message code } }
      userErrors { field message code }
    }
  }
`);

const Qualify = graphql(`
  mutation SalesLeadQualify($input: LeadQualifyInput!) {
    leadQualify(input: $input) {
      lead { id status score grade disqualifiedReason latestScore { id } }
      scoreSnapshot {
        id
        score
        grade
        confidence
        version
        disqualified
        fallbackReason
        details
        factors { feature contribution reason source }
        positiveFactors { feature }
        negativeFactors { feature }
      }
      userErrors { field message code }
    }
  }
`);

const ScoreSettings = graphql(`
  mutation SalesLeadScoringSettings($input: ScoringUpdateSettingsInput!) {
    scoringUpdateSettings(input: $input) {
      tenant { settings }
      userErrors { field message code }
    }
  }
`);

let t: TestApp;
let tenant: TestTenant;
let operator: string;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, "lead");
  operator = tenant.members.OPERATOR.token;
});
afterAll(() => t?.close());

const uuid = (globalId: string) => decodeGlobalID(globalId).id;

/** Row counts of the tenant; audit and outbox rows written by the background scoring agent do not count (it runs on its own schedule). */
async function counts(tenantId: string) {
  return asOwner(t.db, async (c) => {
    const notByAgent: Record<string, string> = { AuditEntry: `AND "actorType" <> 'AGENT'`, OutboxEvent: `AND payload->>'actor' NOT LIKE 'agent:%'` };
    const q = async (table: string) =>
      Number((await c.query(`SELECT count(*)::int AS n FROM "${table}" WHERE "tenantId" = $1 ${notByAgent[table] ?? ""}`, [tenantId])).rows[0].n);
    return {
      leads: await q("Lead"),
      contacts: await q("Contact"),
      companies: await q("Company"),
      domains: await q("CompanyDomain"),
      deals: await q("Deal"),
      refs: await q("ExternalRef"),
      audit: await q("AuditEntry"),
      outbox: await q("OutboxEvent"),
    };
  });
}

describe("leadIngest and identity resolution", () => {
  it("creates lead, contact and company from a company address, audits it and emits sales.lead.created", async () => {
    const data = await executeOk(
      t.graphqlUrl,
      Ingest,
      {
        input: {
          email: "  Ada.Lovelace@Analytical-Engines.com ",
          firstName: "Ada",
          lastName: "Lovelace",
          title: "VP Engineering",
          industry: "Software",
          employeeCount: 250,
          country: "gb",
          source: "web_form",
          attributes: { utm_campaign: "spring", plan: "pro" },
        },
      },
      { token: operator },
    );
    const { lead, result, userErrors } = data.leadIngest;
    expect(userErrors).toEqual([]);
    expect(result).toBe("CREATED");
    expect(lead?.contact).toMatchObject({ email: "ada.lovelace@analytical-engines.com", emailOriginal: "Ada.Lovelace@Analytical-Engines.com", seniority: "VP" });
    expect(lead?.company).toMatchObject({ name: "Analytical Engines", domains: ["analytical-engines.com"], industry: "Software", employeeCount: 250, country: "GB" });
    const leadId = uuid(lead!.id);
    const rows = await asOwner(t.db, async (c) => ({
      audit: (await c.query(`SELECT action, summary FROM "AuditEntry" WHERE "targetId" = $1`, [leadId])).rows,
      events: (await c.query(`SELECT type, payload FROM "OutboxEvent" WHERE payload->>'leadId' = $1`, [leadId])).rows,
      jobs: (await c.query(`SELECT data FROM pgboss.job WHERE name = 'lead-scoring' AND data->'leadIds' ? $1`, [leadId])).rows,
    }));
    expect(rows.audit.map((a) => a.action)).toEqual(["lead.created"]);
    expect(rows.events.map((e) => e.type)).toContain("sales.lead.created");
    expect(rows.jobs.length).toBeGreaterThan(0);
  });

  it("merges a repeat with another case, spaces and a Gmail tag/dots instead of duplicating, and audits what changed", async () => {
    const first = await executeOk(t.graphqlUrl, Ingest, { input: { email: "grace.hopper@gmail.com", firstName: "Grace", attributes: { a: 1 } } }, { token: operator });
    expect(first.leadIngest.result).toBe("CREATED");
    expect(first.leadIngest.lead?.company).toBeNull(); // free-mail domains never make a company
    const before = await counts(tenant.tenantId);
    const again = await executeOk(
      t.graphqlUrl,
      Ingest,
      { input: { email: " GraceHopper+newsletter@GoogleMail.com", lastName: "Hopper", title: "Rear Admiral", attributes: { a: 2, b: "x" } } },
      { token: operator },
    );
    expect(again.leadIngest).toMatchObject({ result: "MERGED", matchedBy: "EMAIL", userErrors: [] });
    expect(again.leadIngest.lead?.id).toBe(first.leadIngest.lead?.id);
    expect(again.leadIngest.lead?.contact).toMatchObject({ firstName: "Grace", lastName: "Hopper", email: "gracehopper@gmail.com" });
    expect(again.leadIngest.lead?.attributes).toEqual({ a: 2, b: "x" });
    const after = await counts(tenant.tenantId);
    expect(after.leads).toBe(before.leads);
    expect(after.contacts).toBe(before.contacts);
    const [audit] = await asOwner(t.db, async (c) =>
      (await c.query(`SELECT summary FROM "AuditEntry" WHERE action = 'lead.merged' AND "targetId" = $1`, [uuid(first.leadIngest.lead!.id)])).rows,
    );
    expect(audit.summary.changes.attributes.a).toEqual({ from: 1, to: 2 });
    expect(audit.summary.changes.attributes.b).toEqual({ from: null, to: "x" });
    expect(audit.summary.changes.contact.lastName).toEqual({ from: null, to: "Hopper" });

    const same = await executeOk(t.graphqlUrl, Ingest, { input: { email: "gracehopper@gmail.com", attributes: { a: 2 } } }, { token: operator });
    expect(same.leadIngest.result).toBe("UNCHANGED");
  });

  it("keeps plus tags on company domains, where they may be real mailbox names", async () => {
    const a = await executeOk(t.graphqlUrl, Ingest, { input: { email: "sales+emea@initech.io" } }, { token: operator });
    const b = await executeOk(t.graphqlUrl, Ingest, { input: { email: "sales@initech.io" } }, { token: operator });
    expect(a.leadIngest.lead?.contact?.email).toBe("sales+emea@initech.io");
    expect(b.leadIngest.result).toBe("CREATED");
    expect(b.leadIngest.lead?.company?.id).toBe(a.leadIngest.lead?.company?.id);
  });

  it("is idempotent by external id, and refuses an external id that belongs to another person's lead", async () => {
    const a = await executeOk(t.graphqlUrl, Ingest, { input: { externalId: "hs-1", externalSystem: "hubspot", email: "one@umbrella.com" } }, { token: operator });
    const again = await executeOk(t.graphqlUrl, Ingest, { input: { externalId: "hs-1", externalSystem: "hubspot", firstName: "Alice" } }, { token: operator });
    expect(again.leadIngest).toMatchObject({ result: "MERGED", matchedBy: "EXTERNAL_ID" });
    expect(again.leadIngest.lead?.id).toBe(a.leadIngest.lead?.id);
    await executeOk(t.graphqlUrl, Ingest, { input: { email: "two@umbrella.com" } }, { token: operator });
    const before = await counts(tenant.tenantId);
    const clash = await executeOk(t.graphqlUrl, Ingest, { input: { externalId: "hs-1", externalSystem: "hubspot", email: "two@umbrella.com" } }, { token: operator });
    expect(clash.leadIngest.userErrors[0]).toMatchObject({ code: "CONFLICT", field: ["input", "externalId"] });
    expect(await counts(tenant.tenantId)).toEqual(before);
  });

  it.each([
    ["an invalid e-mail", { email: "not-an-email" }, ["input", "email"], "VALIDATION_FAILED"],
    ["neither e-mail nor external id", { firstName: "Nobody" }, ["input", "email"], "VALIDATION_FAILED"],
    ["an unknown stage", { email: "x1@stage.com", deal: { stage: "nope", amount: 10 } }, ["input", "deal", "stage"], "UNKNOWN_STAGE"],
    ["a negative amount", { email: "x2@stage.com", deal: { amount: -5 } }, ["input", "deal", "amount"], "VALIDATION_FAILED"],
    ["a wrong currency code", { email: "x3@stage.com", deal: { amount: 5, currency: "XYZ" } }, ["input", "deal", "currency"], "VALIDATION_FAILED"],
    ["oversized attributes", { email: "x4@stage.com", attributes: { blob: "x".repeat(20_000) } }, ["input", "attributes"], "VALIDATION_FAILED"],
    ["a bad country", { email: "x5@stage.com", country: "Narnia" }, ["input", "country"], "VALIDATION_FAILED"],
  ])("refuses %s with a userError on the field and changes nothing", async (_name, input, field, code) => {
    const before = await counts(tenant.tenantId);
    const data = await executeOk(t.graphqlUrl, Ingest, { input: input as never }, { token: operator });
    expect(data.leadIngest.lead).toBeNull();
    expect(data.leadIngest.userErrors).toContainEqual(expect.objectContaining({ code, field }));
    expect(await counts(tenant.tenantId)).toEqual(before);
  });

  it("creates the deal that comes with a lead, in a known stage with the stage's probability", async () => {
    const data = await executeOk(t.graphqlUrl, Ingest, { input: { email: "cfo@wayne.com", companyName: "Wayne Enterprises", deal: { stage: "proposal", amount: 12000, currency: "EUR" } } }, { token: operator });
    expect(data.leadIngest.lead?.deals).toEqual([expect.objectContaining({ stage: "proposal", amount: 12000, currency: "EUR", probability: 50 })]);
    expect(data.leadIngest.lead?.company?.name).toBe("Wayne Enterprises");
  });

  it("replays an idempotent ingest and refuses the key for a different request", async () => {
    const input = { email: "idem@stark.com", idempotencyKey: "lead-idem-1" };
    const a = await executeOk(t.graphqlUrl, Ingest, { input }, { token: operator });
    const b = await executeOk(t.graphqlUrl, Ingest, { input }, { token: operator });
    expect(b.leadIngest.result).toBe("CREATED");
    expect(b.leadIngest.lead?.id).toBe(a.leadIngest.lead?.id);
    const c = await executeOk(t.graphqlUrl, Ingest, { input: { ...input, email: "other@stark.com" } }, { token: operator });
    expect(c.leadIngest.userErrors[0]?.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});

describe("leadImport", () => {
  it("imports CSV rows: created, merged and rejected with reasons; a bad row leaves no trace and does not stop the good ones", async () => {
    const csv = [
      "Email,First Name,Last Name,Company,Industry,Employees,Country,Lead Source,deal_stage,deal_amount,deal_currency,favourite_colour",
      "ann@globex.com,Ann,Smith,Globex,Manufacturing,500,US,event,,,,blue",
      "bad-address,Bob,Jones,Globex,,,,,,,,",
      "carl@globex.com,Carl,Doe,Globex,,,,,nope,100,USD,",
      "dora@globex.com,Dora,Lee,Globex,,,,,proposal,-3,USD,",
      "eve@globex.com,Eve,Ray,Globex,,,,,proposal,100,ABC,",
      "ANN@globex.com,,,,,,,,,,,green",
      "finn@hooli.com,Finn,Ng,Hooli,,,,,discovery,2500,USD,",
    ].join("\n");
    const before = await counts(tenant.tenantId);
    const data = await executeOk(t.graphqlUrl, Import, { input: { csv } }, { token: operator });
    const r = data.leadImport;
    expect(r.userErrors).toEqual([]);
    expect(r).toMatchObject({ created: 2, merged: 1, rejected: 4 });
    const byRow = Object.fromEntries(r.rows!.map((row) => [row.row, row]));
    expect(byRow[0]!.status).toBe("CREATED");
    expect(byRow[1]!.errors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "rows", "1", "email"] });
    expect(byRow[2]!.errors[0]).toMatchObject({ code: "UNKNOWN_STAGE", field: ["input", "rows", "2", "deal", "stage"] });
    expect(byRow[3]!.errors[0]).toMatchObject({ field: ["input", "rows", "3", "deal", "amount"] });
    expect(byRow[4]!.errors[0]).toMatchObject({ field: ["input", "rows", "4", "deal", "currency"] });
    expect(byRow[5]).toMatchObject({ status: "MERGED", matchedBy: "EMAIL", leadId: byRow[0]!.leadId });
    expect(byRow[6]!.status).toBe("CREATED");
    const after = await counts(tenant.tenantId);
    expect(after.leads - before.leads).toBe(2);
    expect(after.contacts - before.contacts).toBe(2);
    // Rejected rows wrote nothing: only the good rows' companies and deal exist.
    expect(after.companies - before.companies).toBe(2);
    expect(after.deals - before.deals).toBe(1);
    const attributes = await asOwner(t.db, async (c) => (await c.query(`SELECT attributes FROM "Lead" WHERE id = $1`, [uuid(byRow[0]!.leadId!)])).rows[0].attributes);
    expect(attributes).toEqual({ favourite_colour: "green" });
  });

  it("imports JSON rows, idempotently: the same rows again merge and change nothing", async () => {
    const rows = [
      { email: "p1@soylent.com", firstName: "P1", externalId: "crm-1", outcome: "converted" },
      { email: "p2@soylent.com", firstName: "P2", externalId: "crm-2", outcome: "no" },
    ];
    const first = await executeOk(t.graphqlUrl, Import, { input: { rows, externalSystem: "crm" } }, { token: operator });
    expect(first.leadImport).toMatchObject({ created: 2, rejected: 0 });
    const before = await counts(tenant.tenantId);
    const second = await executeOk(t.graphqlUrl, Import, { input: { rows, externalSystem: "crm" } }, { token: operator });
    expect(second.leadImport).toMatchObject({ created: 0, unchanged: 2, rejected: 0 });
    const after = await counts(tenant.tenantId);
    expect({ ...after, audit: 0, outbox: 0 }).toEqual({ ...before, audit: 0, outbox: 0 });
    expect(after.audit - before.audit).toBe(1); // only the import's own summary entry
  });

  it("never duplicates when two imports of the same people run at once", async () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({ email: `race${i}@race-co.com`, firstName: `R${i}` }));
    const [a, b] = await Promise.all([
      executeOk(t.graphqlUrl, Import, { input: { rows } }, { token: operator }),
      executeOk(t.graphqlUrl, Import, { input: { rows } }, { token: tenant.members.MANAGER.token }),
    ]);
    expect(a.leadImport.rejected! + b.leadImport.rejected!).toBe(0);
    expect(a.leadImport.created! + b.leadImport.created!).toBe(60);
    const leads = await asOwner(t.db, async (c) => Number((await c.query(`SELECT count(*) AS n FROM "Lead" l JOIN "Contact" c ON c.id = l."contactId" WHERE c.email LIKE 'race%@race-co.com'`)).rows[0].n));
    expect(leads).toBe(60);
  });

  it("refuses a batch over 10,000 rows, and one with both or neither of csv and rows", async () => {
    const big = "email\n" + Array.from({ length: 10_001 }, (_, i) => `u${i}@big.com`).join("\n");
    const tooBig = await executeOk(t.graphqlUrl, Import, { input: { csv: big } }, { token: operator });
    expect(tooBig.leadImport.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "csv"] });
    const both = await executeOk(t.graphqlUrl, Import, { input: { csv: "email\na@b.com", rows: [{}] } }, { token: operator });
    expect(both.leadImport.userErrors[0]?.code).toBe("VALIDATION_FAILED");
  });
});

describe("leadQualify", () => {
  it("scores with explainable factors, qualifies at the threshold, and says it used the rules alone", async () => {
    const lead = await executeOk(
      t.graphqlUrl,
      Ingest,
      { input: { email: "cto@qualified-co.com", title: "CTO", employeeCount: 300, source: "referral", industry: "Software" } },
      { token: operator },
    );
    const data = await executeOk(t.graphqlUrl, Qualify, { input: { leadId: lead.leadIngest.lead!.id } }, { token: operator });
    const { scoreSnapshot, lead: qualified, userErrors } = data.leadQualify;
    expect(userErrors).toEqual([]);
    // C-level 20 + 201–1000 employees 20 + referral 15 + company address 5.
    expect(scoreSnapshot).toMatchObject({ score: 60, grade: "B", disqualified: false });
    expect(scoreSnapshot!.version).toMatch(/^rules:[0-9a-f]{10}$/);
    expect(scoreSnapshot!.fallbackReason).toMatch(/rules alone/);
    expect(scoreSnapshot!.factors.map((f) => f.feature)).toEqual(["icp.employees", "icp.seniority", "icp.source", "icp.email_domain"]);
    expect(scoreSnapshot!.factors[0]).toMatchObject({ contribution: 20, source: "RULES" });
    expect(qualified).toMatchObject({ status: "QUALIFIED", score: 60, grade: "B", latestScore: { id: scoreSnapshot!.id } });

    // Same inputs, same version: the same snapshot, no new history row.
    const again = await executeOk(t.graphqlUrl, Qualify, { input: { leadId: lead.leadIngest.lead!.id } }, { token: operator });
    expect(again.leadQualify.scoreSnapshot?.id).toBe(scoreSnapshot!.id);
  });

  it("disqualifies by hard rules that no decision can override (do-not-contact, competitor, disposable, company lifecycle and stage)", async () => {
    const settings = await executeOk(t.graphqlUrl, ScoreSettings, { input: { patch: { disqualification: { competitorDomains: ["rival.com"], excludedCompanyStages: ["pre_seed"] } } } }, { token: tenant.members.MANAGER.token });
    expect(settings.scoringUpdateSettings.userErrors).toEqual([]);
    for (const [input, rule] of [
      [{ email: "dnc@fine.com", doNotContact: true }, "DO_NOT_CONTACT"],
      [{ email: "spy@sales.rival.com" }, "COMPETITOR"],
      [{ email: "temp@mailinator.com" }, "DISPOSABLE_EMAIL"],
      [{ email: "ops@frenemy.io", companyLifecycle: "COMPETITOR" }, "EXCLUDED_LIFECYCLE"],
      [{ email: "cto@tiny-startup.io", companyAttributes: { stage: "pre_seed" } }, "EXCLUDED_COMPANY_STAGE"],
    ] as const) {
      const lead = await executeOk(t.graphqlUrl, Ingest, { input }, { token: operator });
      const leadId = lead.leadIngest.lead!.id;
      const forced = await executeOk(t.graphqlUrl, Qualify, { input: { leadId, decision: "QUALIFY" } }, { token: operator });
      expect(forced.leadQualify.userErrors[0]).toMatchObject({ code: "HARD_DISQUALIFIED", field: ["input", "decision"] });
      expect(forced.leadQualify.lead).toBeNull();
      const auto = await executeOk(t.graphqlUrl, Qualify, { input: { leadId } }, { token: operator });
      expect(auto.leadQualify.lead).toMatchObject({ status: "DISQUALIFIED", score: 0, grade: "D" });
      expect(auto.leadQualify.scoreSnapshot).toMatchObject({ disqualified: true, confidence: 1 });
      expect((auto.leadQualify.scoreSnapshot!.details as { disqualifications: { rule: string }[] }).disqualifications.map((d) => d.rule)).toContain(rule);
    }
  });

  it("needs a reason to disqualify by decision, and then records the outcome", async () => {
    const lead = await executeOk(t.graphqlUrl, Ingest, { input: { email: "meh@fine-co.com" } }, { token: operator });
    const leadId = lead.leadIngest.lead!.id;
    const noReason = await executeOk(t.graphqlUrl, Qualify, { input: { leadId, decision: "DISQUALIFY" } }, { token: operator });
    expect(noReason.leadQualify.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "reason"] });
    const done = await executeOk(t.graphqlUrl, Qualify, { input: { leadId, decision: "DISQUALIFY", reason: "No budget" } }, { token: operator });
    expect(done.leadQualify.lead).toMatchObject({ status: "DISQUALIFIED", disqualifiedReason: "No budget" });
    const outcome = await asOwner(t.db, async (c) => (await c.query(`SELECT outcome FROM "Lead" WHERE id = $1`, [uuid(leadId)])).rows[0].outcome);
    expect(outcome).toBe("NOT_CONVERTED");
  });
});
