// Provisioning: creating a tenant and its first members. This is operator
// work done with the owner connection (the service role cannot create
// tenants), inside the narrow `app.maintenance` window that the row-level
// security policies allow the owner. Idempotent: running it again changes
// nothing that exists.
import pg from "pg";
import type { Role } from "../domain/access/permission.js";
import { tenantSettingsSchema } from "../domain/tenant/tenant.js";

export interface ProvisionTenantInput {
  name: string;
  slug: string;
  settings?: Record<string, unknown>;
  members: { email: string; name: string; role: Role }[];
}

export interface ProvisionedTenant {
  tenantId: string;
  created: boolean;
  members: { email: string; userId: string; membershipId: string; role: Role }[];
}

export async function provisionTenant(ownerUrl: string, input: ProvisionTenantInput): Promise<ProvisionedTenant> {
  const client = new pg.Client({ connectionString: ownerUrl, application_name: "sales-agent-provisioning" });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL app.maintenance = 'on'");
    const tenant = await client.query<{ id: string; created: boolean }>(
      `INSERT INTO "Tenant" ("id", "name", "slug", "settings", "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, $3::jsonb, CURRENT_TIMESTAMP)
       ON CONFLICT ("slug") DO UPDATE SET "slug" = EXCLUDED."slug"
       RETURNING "id", (xmax = 0) AS created`,
      [input.name, input.slug, JSON.stringify(tenantSettingsSchema.parse(input.settings ?? {}))],
    );
    const tenantId = tenant.rows[0]!.id;
    const created = tenant.rows[0]!.created;
    const members: ProvisionedTenant["members"] = [];
    for (const m of input.members) {
      const user = await client.query<{ id: string }>("SELECT app_ensure_user($1, $2) AS id", [m.email, m.name]);
      const userId = user.rows[0]!.id;
      const membership = await client.query<{ id: string; role: Role }>(
        `INSERT INTO "Membership" ("id", "tenantId", "userId", "role", "updatedAt")
         VALUES (gen_random_uuid(), $1, $2, $3, CURRENT_TIMESTAMP)
         ON CONFLICT ("tenantId", "userId") DO UPDATE SET "tenantId" = EXCLUDED."tenantId"
         RETURNING "id", "role"::text AS role`,
        [tenantId, userId, m.role],
      );
      members.push({ email: m.email.toLowerCase(), userId, membershipId: membership.rows[0]!.id, role: membership.rows[0]!.role });
    }
    if (created) {
      await client.query(
        `INSERT INTO "AuditEntry" ("id", "tenantId", "actorType", "actorId", "actorLabel", "action", "targetType", "targetId", "summary")
         VALUES (gen_random_uuid(), $1::uuid, 'AGENT', 'provisioning', 'agent:provisioning', 'tenant.provisioned', 'Tenant', $1::text, $2::jsonb)`,
        [tenantId, JSON.stringify({ name: input.name, slug: input.slug, members: members.map((m) => ({ userId: m.userId, role: m.role })) })],
      );
    }
    await client.query("COMMIT");
    return { tenantId, created, members };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

export const DEMO_TENANT: ProvisionTenantInput = {
  name: "Demo Sales Co",
  slug: "demo",
  // Ready to try sending: a shared mailbox, the postal address marketing mail
  // needs (CAN-SPAM) and the company's own links allowed. Still DRAFT_ONLY.
  settings: {
    sending: {
      mailboxes: ["sales@demo-sales.example"],
      senderName: "Demo Sales Co",
      postalAddress: "Demo Sales Co, 1 Example Street, Springfield, 12345, USA",
    },
    quality: { allowedLinkDomains: ["demo-sales.example"] },
  },
  members: [
    { email: "owner@demo-sales.example", name: "Olivia Owner", role: "OWNER" },
    { email: "admin@demo-sales.example", name: "Adam Admin", role: "ADMIN" },
    { email: "manager@demo-sales.example", name: "Maya Manager", role: "MANAGER" },
    { email: "operator@demo-sales.example", name: "Oscar Operator", role: "OPERATOR" },
    { email: "analyst@demo-sales.example", name: "Ana Analyst", role: "ANALYST" },
  ],
};
