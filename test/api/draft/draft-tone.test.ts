// Threats and profanity through the real path: draftCreate runs the quality
// gate with the tenant's settings; the profanity languages are a tenant
// setting, validated by tenantUpdateSettings.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { executeOk } from "../../helpers/graphql.js";
import { insertContact, patchSettings, startOperatorApp } from "../../helpers/operator.js";

const Create = graphql(`
  mutation DraftToneCreate($input: DraftCreateInput!) {
    draftCreate(input: $input) {
      draft { id status qualityReport { verdict findings { check severity message location } } }
      userErrors { field message code }
    }
  }
`);
const Settings = graphql(`
  mutation DraftToneSettings($input: TenantUpdateSettingsInput!) {
    tenantUpdateSettings(input: $input) { tenant { settings } userErrors { field message code } }
  }
`);

let t: TestApp;
let tenant: TestTenant;
const MAILBOX = "sales@acme.example";

beforeAll(async () => {
  t = await startOperatorApp();
  tenant = await createTenant(t, "draft-tone");
  await patchSettings(t.db, tenant.tenantId, { sending: { mailboxes: [MAILBOX] } });
});
afterAll(() => t?.close());

let n = 0;
async function draft(bodyText: string) {
  const id = await insertContact(t.db, tenant.tenantId, { email: `dana${++n}@client${n}.example` });
  const r = await executeOk(
    t.graphqlUrl,
    Create,
    { input: { recipient: { contactId: encodeGlobalID("Contact", id) }, subject: "About the renewal", bodyText: `Hi Dana,\n\n${bodyText}\n\nBest,\nSam` } },
    { token: tenant.members.OPERATOR.token },
  );
  expect(r.draftCreate.userErrors).toEqual([]);
  return r.draftCreate.draft!;
}

describe("the quality gate on drafts", () => {
  it("blocks a threat aimed at the recipient, with the reason", async () => {
    const d = await draft("Sign the renewal by Friday or you will regret it.");
    expect(d.status).toBe("BLOCKED");
    expect(d.qualityReport.findings).toContainEqual(expect.objectContaining({ check: "THREAT", severity: "BLOCK", location: "body", message: expect.stringMatching(/regret/) }));
  });

  it("blocks profanity (English by default) and names it masked", async () => {
    const d = await draft("Honestly, the old pricing was bullshit, and this one is better.");
    expect(d.status).toBe("BLOCKED");
    const finding = d.qualityReport.findings.find((f) => f.check === "PROFANITY")!;
    expect(finding).toMatchObject({ severity: "BLOCK", location: "body" });
    expect(finding.message).toContain("b******t");
  });

  it("lets a friendly 'you won't regret it' through", async () => {
    const d = await draft("Give the pilot a try: you won't regret it. The assessment in Scunthorpe went well too.");
    expect(d.status).toBe("PENDING_REVIEW");
    expect(d.qualityReport.findings.filter((f) => f.check === "THREAT" || f.check === "PROFANITY")).toEqual([]);
  });

  it("checks German once the tenant writes German, and refuses a language the lists do not cover", async () => {
    const german = "Ehrlich gesagt war das alte Angebot Scheiße, das neue ist besser.";
    expect((await draft(german)).status).toBe("PENDING_REVIEW");
    const owner = { token: tenant.members.OWNER.token };
    const bad = await executeOk(t.graphqlUrl, Settings, { input: { settings: { quality: { languages: ["en", "klingon"] } } } }, owner);
    expect(bad.tenantUpdateSettings.userErrors).toEqual([expect.objectContaining({ code: "VALIDATION_FAILED", field: expect.arrayContaining(["quality", "languages"]) })]);
    const ok = await executeOk(t.graphqlUrl, Settings, { input: { settings: { quality: { languages: ["en", "de"] } } } }, owner);
    expect(ok.tenantUpdateSettings.userErrors).toEqual([]);
    const d = await draft(german);
    expect(d.status).toBe("BLOCKED");
    expect(d.qualityReport.findings).toContainEqual(expect.objectContaining({ check: "PROFANITY", message: expect.stringContaining("(de)") }));
  });
});
