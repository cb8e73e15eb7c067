// A draft is written in the name this tenant knows its author by
// (Membership.displayName, what the API shows as User.name), never the name
// the person uses in another tenant (issue 9, item 6 follow-up).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../../src/data/database.js";
import { readTenantSettings } from "../../../src/domain/tenant/tenant.js";
import { resolveAuthor } from "../../../src/orchestration/agent/agent-facts.js";
import { addMembership } from "../../../src/orchestration/access/membership.js";
import { composeDraft } from "../../../src/orchestration/draft/draft-writer.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { insertContact, sql, userActor } from "../../helpers/operator.js";

describe("the author of an agent's draft", () => {
  let t: TestApp;
  let home: TestTenant;
  let other: TestTenant;
  beforeAll(async () => {
    t = await startTestApp();
    [home, other] = [await createTenant(t, "home"), await createTenant(t, "other")];
  });
  afterAll(() => t?.close());

  async function authorIn(tenantId: string, userId: string) {
    return withTenant(t.app.services.db.prisma, { tenantId }, async (tx) => {
      const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
      return resolveAuthor(tx, readTenantSettings(tenant.settings), [userId]);
    });
  }

  it("is named as this tenant knows them, not by the name they use in another tenant", async () => {
    // A MANAGER of `home`, known there (and globally) as "MANAGER of <slug>", added to `other` as "Robin Sales".
    const person = home.members.MANAGER;
    const ownName = `MANAGER of ${home.slug}`;
    const added = await addMembership(t.app.services, userActor(other, "OWNER"), { email: person.email, name: "Robin Sales", role: "OPERATOR" });
    expect(added).toMatchObject({ ok: true });

    const author = await authorIn(other.tenantId, person.userId);
    expect(author).toMatchObject({ userId: person.userId, email: person.email, name: "Robin Sales" });

    // The draft the agent writes for them in `other` (sender name, sign-off) never carries their other name.
    const contactId = await insertContact(t.db, other.tenantId, { email: "pat@prospect.example" });
    const draft = await composeDraft(t.app.services, { tenantId: other.tenantId, agent: "draft-writer" }, { kind: "OUTREACH", contactId, authorCandidates: [person.userId] });
    expect(draft?.author?.name).toBe("Robin Sales");
    expect(draft?.bodyText).toMatch(/\nRobin$/); // the sign-off
    expect(JSON.stringify(draft)).not.toContain(ownName);

    // In the tenant where that is their name, it still is.
    expect(await authorIn(home.tenantId, person.userId)).toMatchObject({ name: ownName });
  });

  it("falls back to the person's own name when the membership predates display names", async () => {
    const person = other.members.ANALYST;
    await sql(t.db, `UPDATE "Membership" SET "displayName" = NULL WHERE "tenantId" = $1 AND "userId" = $2`, [other.tenantId, person.userId]);
    expect(await authorIn(other.tenantId, person.userId)).toMatchObject({ name: `ANALYST of ${other.slug}` });
  });
});
