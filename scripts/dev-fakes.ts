// `npm run dev:fakes`: the wire-level Google fake (OAuth + Gmail + Calendar +
// Drive, test/fakes/google/server.ts) on a fixed port, seeded with a demo
// mailbox, a busy calendar and an allowlistable Drive folder, so the service
// can be tried without a Google account. Prints the URLs and the environment
// variables to start the service with. Ctrl-C stops it.
// Also the wire-level HubSpot fake (OAuth, CRM objects, search, associations,
// owners, pipelines; test/fakes/hubspot/server.ts), seeded with a few
// companies, contacts and deals, and a private-app token.
//   FAKE_GOOGLE_PORT (default 4010), FAKE_GOOGLE_USER (default rep@example.com)
//   FAKE_HUBSPOT_PORT (default 4011)
// And a DNS server (UDP, test/fakes/dns/server.ts) for the SPF/DKIM/DMARC checks: FAKE_DNS_PORT (default 5300).
// And a fake OpenID Connect provider for the console's single sign-on
// (test/fakes/oidc/server.ts) knowing the demo tenant's people.
//   FAKE_OIDC_PORT (default 4012)
import { demoDnsRecords, seedGoogleDemo } from "../test/fakes/google/demo.js";
import { startFakeGoogle } from "../test/fakes/google/server.js";
import { startFakeHubspot } from "../test/fakes/hubspot/server.js";
import { startFakeDns } from "../test/fakes/dns/server.js";
import { startFakeOidc } from "../test/fakes/oidc/server.js";

const port = Number(process.env.FAKE_GOOGLE_PORT ?? 4010);
const email = (process.env.FAKE_GOOGLE_USER ?? "rep@example.com").toLowerCase();
const google = await startFakeGoogle({ port, oauth: { user: { email } }, controlRoutes: true });

// Demo data: a few inbound messages, a calendar with meetings every day, a collateral folder
// (the same as test/api/connection/google-walkthrough.test.ts uses).
const { folderId } = seedGoogleDemo(google, email);

const hubspotPort = Number(process.env.FAKE_HUBSPOT_PORT ?? 4011);
const hubspot = await startFakeHubspot({ port: hubspotPort, user: email });
const hubspotToken = "pat-na1-00000000-demo-0000-0000-000000000000";
hubspot.addPrivateAppToken(hubspotToken);
hubspot.addOwner({ id: "101", email, firstName: "Demo", lastName: "Rep" });
const demoCompanies = [
  { id: "5001", name: "Acme Logistics", domain: "acme-logistics.example" },
  { id: "5002", name: "Globex Manufacturing", domain: "globex.example" },
];
for (const c of demoCompanies) hubspot.upsert("companies", c.id, { name: c.name, domain: c.domain, industry: "LOGISTICS", hubspot_owner_id: "101" });
const demoContacts = [
  { id: "6001", email: "buyer@acme-logistics.example", firstname: "Bea", lastname: "Buyer", company: "5001" },
  { id: "6002", email: "ops@acme-logistics.example", firstname: "Otto", lastname: "Ops", company: "5001" },
  { id: "6003", email: "cfo@globex.example", firstname: "Carla", lastname: "Finance", company: "5002" },
];
for (const c of demoContacts) {
  hubspot.upsert("contacts", c.id, { email: c.email, firstname: c.firstname, lastname: c.lastname, hubspot_owner_id: "101" });
  hubspot.associate("contacts", c.id, "companies", c.company);
}
hubspot.upsert("deals", "7001", { dealname: "Acme pilot", amount: "12000", dealstage: "qualifiedtobuy", pipeline: "default", hubspot_owner_id: "101" });
hubspot.associate("deals", "7001", "companies", "5001");
hubspot.associate("deals", "7001", "contacts", "6001");
hubspot.upsert("deals", "7002", { dealname: "Globex rollout", amount: "48000", dealstage: "contractsent", pipeline: "default" });
hubspot.associate("deals", "7002", "companies", "5002");
hubspot.associate("deals", "7002", "contacts", "6003");

// An identity provider for the console's single sign-on, knowing the demo tenant's people.
const oidcPort = Number(process.env.FAKE_OIDC_PORT ?? 4012);
const oidc = await startFakeOidc({
  port: oidcPort,
  accounts: ["owner", "admin", "manager", "operator", "analyst"].map((role) => ({ email: `${role}@demo-sales.example` })),
});

// A DNS server for the SPF/DKIM/DMARC checks (sendingDomainCheck): the demo domain set up well, one without DMARC.
const dnsPort = Number(process.env.FAKE_DNS_PORT ?? 5300);
// The Google account's domain too: the walkthrough sends from it, and the guardrail checks it before sending.
const dns = await startFakeDns({ port: dnsPort, records: demoDnsRecords(email) });

process.stdout.write(
  [
    `Fake DNS (UDP) at ${dns.server}: demo-sales.example and ${email.split("@")[1]} have SPF, DKIM (selector google) and DMARC; no-dmarc.example lacks DMARC`,
    "",
    `Fake identity provider (OIDC, authorization code + PKCE) at ${oidc.issuer}`,
    "  accounts: owner|admin|manager|operator|analyst@demo-sales.example (the demo tenant's people)",
    "",
    `Fake HubSpot (OAuth, CRM v3 objects/search, associations v4, owners, pipelines) at ${hubspot.url}`,
    `  2 companies, 3 contacts, 2 deals, owner ${email}; private-app token: ${hubspotToken}`,
    "",
    `Fake Google (OAuth, Gmail, Calendar, Drive) at ${google.url}`,
    `  consenting user: ${email} (mailbox with 5 messages, calendar busy 09-10 and 13-14 UTC for 30 days)`,
    `  Drive folder to allowlist (settings.assets.folderIds): ${folderId}`,
    "",
    "Start the service with:",
    `  GOOGLE_OAUTH_BASE_URL=${google.url} GOOGLE_API_ROOT_URL=${google.rootUrl} GOOGLE_CLIENT_ID=${google.oauth.clientId} GOOGLE_CLIENT_SECRET=${google.oauth.clientSecret} \\`,
    `  HUBSPOT_OAUTH_BASE_URL=${hubspot.url} HUBSPOT_API_BASE_URL=${hubspot.url} HUBSPOT_CLIENT_ID=${hubspot.clientId} HUBSPOT_CLIENT_SECRET=${hubspot.clientSecret} \\`,
    `  OIDC_ISSUER=${oidc.issuer} OIDC_CLIENT_ID=${oidc.clientId} DNS_SERVERS=${dns.server} npm start`,
    "",
  ].join("\n"),
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void Promise.all([google.close(), hubspot.close(), oidc.close(), dns.close()]).then(() => process.exit(0));
  });
}
