// The Google walkthrough of the README, end to end: scripts/walkthrough-google.ts's
// own flow (every step a public GraphQL call) against the service over HTTP, with
// the agents, the Gmail sync and the send worker on pg-boss, and the wire-level
// fake Google seeded exactly as `npm run dev:fakes` seeds it (its control routes
// on). From connectionStart to the reply sent through the Gmail transport: three
// free slots in the prospect's zone, one allowlisted Drive asset the gate allows,
// approved and sent once into the prospect's thread (threadId, In-Reply-To,
// References checked on the fake's received message).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGoogleWalkthrough } from "../../../scripts/walkthrough-google.js";
import { DEMO_TENANT } from "../../../src/data/provisioning.js";
import { startFakeDns, type FakeDns } from "../../fakes/dns/server.js";
import { DEMO_ASSET_FOLDER_ID, demoDnsRecords, seedGoogleDemo } from "../../fakes/google/demo.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { fakeGoogleEnv } from "../../helpers/google.js";
import { headersOf, patchSettings, sql } from "../../helpers/operator.js";

const REP = "rep@example.com"; // npm run dev:fakes's consenting user
const BERLIN = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

let t: TestApp;
let google: FakeGoogle;
let dns: FakeDns;
let tenant: TestTenant;

beforeAll(async () => {
  google = await startFakeGoogle({ oauth: { user: { email: REP } }, controlRoutes: true });
  seedGoogleDemo(google, REP);
  // The DNS of npm run dev:fakes: the sending domain's SPF/DKIM/DMARC are checked before the send.
  dns = await startFakeDns({ records: demoDnsRecords(REP) });
  t = await startTestApp({
    env: {
      ...fakeGoogleEnv(google),
      DNS_SERVERS: dns.server,
      CONNECTOR_RETRY_BASE_MS: "10",
      AGENT_POLL_SECONDS: "0.5",
      SEND_WORKERS: "1",
      SEND_POLL_SECONDS: "0.5",
      SEND_RETRY_DELAY_SECONDS: "1",
    },
  });
  tenant = await createTenant(t, "gwalk");
  // The demo tenant's settings (npm start seeds them): its shared mailbox, postal address and allowed link domain.
  await patchSettings(t.db, tenant.tenantId, DEMO_TENANT.settings!);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await google?.close();
  await dns?.close();
});

describe("the Google walkthrough (scripts/walkthrough-google.ts)", () => {
  it("connects, syncs, analyses, drafts with three slots and one allowlisted asset, and sends once through Gmail into the thread", async () => {
    const lines: string[] = [];
    const r = await runGoogleWalkthrough({
      serviceUrl: t.url,
      fakeGoogleUrl: google.url,
      operatorToken: tenant.members.OPERATOR.token,
      ownerToken: tenant.members.OWNER.token,
      driveFolderId: DEMO_ASSET_FOLDER_ID,
      waitSeconds: 90,
      log: (line) => lines.push(line),
    });
    expect(r.accountEmail).toBe(REP);
    expect(r.offeredSlots).toMatchObject({ timeZone: "Europe/Berlin", timeZoneSource: "EMAIL_DOMAIN" });
    expect(r.offeredSlots.slots).toHaveLength(3);
    // Free in the rep's calendar (busy 09–10 and 13–14 UTC every day) and labelled on Berlin's clock.
    for (const slot of r.offeredSlots.slots) {
      const start = new Date(slot.start);
      const end = new Date(slot.end);
      const day = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
      for (const [from, to] of [[9, 10], [13, 14]] as const) expect(start.getTime() >= day + to * 3_600_000 || end.getTime() <= day + from * 3_600_000, slot.label).toBe(true);
      expect(slot.label).toContain(BERLIN.format(start));
    }
    expect(r.citedAssets).toHaveLength(1);
    // The asset is one of the allowlisted folder's files.
    expect(google.drive.files.get(r.citedAssets[0]!.fileId)?.parents).toContain(DEMO_ASSET_FOLDER_ID);

    // What Gmail received, checked here too: one message, from the connected mailbox, in the prospect's thread.
    const [draft] = await sql<{ messageId: string; status: string; inReplyTo: string | null; providerMessageId: string }>(
      t.db,
      `SELECT "messageId", "status"::text AS status, "inReplyTo", "providerMessageId" FROM "Draft" WHERE "tenantId" = $1 AND "id" = (SELECT "id" FROM "Draft" WHERE "tenantId" = $1 AND "status" = 'SENT' LIMIT 1)`,
      [tenant.tenantId],
    );
    expect(draft!.status).toBe("SENT");
    const copies = google.gmail.sent.filter((s) => s.messageId === draft!.messageId);
    expect(copies).toHaveLength(1);
    expect(google.gmail.sendCount(REP)).toBe(1);
    expect(copies[0]!.threadId).toBe(r.threadId);
    expect(draft!.providerMessageId).toBe(`gmail:${copies[0]!.id}`);
    const headers = headersOf(copies[0]!.raw);
    expect(headers["in-reply-to"]).toBe(draft!.inReplyTo);
    expect(headers["references"]!.split(/\s+/)).toContain(draft!.inReplyTo);
    expect(headers["from"]).toContain(REP);
    // The send record names the transport used.
    expect(await sql(t.db, `SELECT "transport" FROM "EmailSend" WHERE "tenantId" = $1`, [tenant.tenantId])).toEqual([{ transport: "gmail" }]);
    expect(lines.join("\n")).toMatch(/SENT as rep@example\.com/);
    // The sending domain was checked in that DNS on the way.
    expect(dns.queries.get("_dmarc.example.com") ?? 0).toBeGreaterThan(0);
  }, 300_000);

  it("fails loudly, naming the step, when a step does not happen (here: no asset, the folder is not in Drive) and sends nothing", async () => {
    const other = await createTenant(t, "gwalk-noasset");
    const sentBefore = google.gmail.sent.length;
    await expect(
      runGoogleWalkthrough({
        serviceUrl: t.url,
        fakeGoogleUrl: google.url,
        operatorToken: other.members.OPERATOR.token,
        ownerToken: other.members.OWNER.token,
        driveFolderId: "fld-not-in-this-drive",
        waitSeconds: 90,
        log: () => {},
      }),
    ).rejects.toThrow(/the draft links no Drive asset: is fld-not-in-this-drive in settings\.assets\.folderIds/);
    expect(google.gmail.sent.length).toBe(sentBefore);
    // Nothing went further than review (the first sync also brought the earlier prospect mail: more than one draft).
    expect(await sql(t.db, `SELECT DISTINCT "status"::text AS status FROM "Draft" WHERE "tenantId" = $1`, [other.tenantId])).toEqual([{ status: "PENDING_REVIEW" }]);
  }, 300_000);
});
