// tenantUpdateSettings obeys the same rules as each section's own mutation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTenantSettings } from "../../../src/domain/tenant/tenant.js";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { asOwner } from "../../helpers/database.js";
import { executeOk } from "../../helpers/graphql.js";

const Update = graphql(`
  mutation SettingsUpdate($input: TenantUpdateSettingsInput!) {
    tenantUpdateSettings(input: $input) { tenant { settings } userErrors { code field message } }
  }
`);

let t: TestApp;
let tenant: TestTenant;
beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t?.close());

const settingsNow = () =>
  asOwner(t.db, async (c) => readTenantSettings((await c.query(`SELECT settings FROM "Tenant" WHERE id = $1`, [tenant.tenantId])).rows[0].settings));

describe("tenantUpdateSettings", () => {
  it("refuses to flip the kill switch (that is sendingKillSwitchSet's job) and changes nothing", async () => {
    const r = await executeOk(t.graphqlUrl, Update, { input: { settings: { sending: { killSwitch: { engaged: true } } } } }, { token: tenant.members.ADMIN.token });
    expect(r.tenantUpdateSettings.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "settings", "sending", "killSwitch"] });
    expect((await settingsNow()).sending.killSwitch.engaged).toBe(false);
  });

  it("refuses a pipeline change that would strand open deals", async () => {
    await asOwner(t.db, (c) =>
      c.query(
        `INSERT INTO "Deal" (id, "tenantId", name, stage, currency, probability, "updatedAt") VALUES (gen_random_uuid(), $1, 'Big one', 'proposal', 'USD', 50, now())`,
        [tenant.tenantId],
      ),
    );
    const stages = (await settingsNow()).pipeline.stages.filter((s) => s.key !== "proposal");
    const r = await executeOk(t.graphqlUrl, Update, { input: { settings: { pipeline: { stages } } } }, { token: tenant.members.ADMIN.token });
    expect(r.tenantUpdateSettings.userErrors[0]).toMatchObject({ code: "CONFLICT", field: ["input", "settings", "pipeline", "stages"] });
    expect((await settingsNow()).pipeline.stages.some((s) => s.key === "proposal")).toBe(true);
  });

  it("still applies ordinary changes", async () => {
    const r = await executeOk(t.graphqlUrl, Update, { input: { settings: { sending: { mode: "SEND_ALLOWED" } } } }, { token: tenant.members.ADMIN.token });
    expect(r.tenantUpdateSettings.userErrors).toEqual([]);
    expect((await settingsNow()).sending.mode).toBe("SEND_ALLOWED");
  });
});
