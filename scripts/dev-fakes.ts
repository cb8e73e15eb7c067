// `npm run dev:fakes`: the wire-level Google fake (OAuth + Gmail + Calendar +
// Drive, test/fakes/google/server.ts) on a fixed port, seeded with a demo
// mailbox, a busy calendar and an allowlistable Drive folder, so the service
// can be tried without a Google account. Prints the URLs and the environment
// variables to start the service with. Ctrl-C stops it.
//   FAKE_GOOGLE_PORT (default 4010), FAKE_GOOGLE_USER (default rep@example.com)
import { startFakeGoogle } from "../test/fakes/google/server.js";

const port = Number(process.env.FAKE_GOOGLE_PORT ?? 4010);
const email = (process.env.FAKE_GOOGLE_USER ?? "rep@example.com").toLowerCase();
const google = await startFakeGoogle({ port, oauth: { user: { email } } });

// Demo data: a few inbound messages, a calendar with meetings every weekday morning, a collateral folder.
google.gmail.seedMailbox(email, 5, { from: "buyer@prospect.example", subjectPrefix: "Question about the pilot" });
const today = new Date();
google.calendar.seedBusyCalendar(email, { from: today, days: 30, busyRanges: [{ startHourUtc: 9, endHourUtc: 10 }, { startHourUtc: 13, endHourUtc: 14 }] });
const folder = google.drive.addFolder("Sales collateral", { id: "fld-demo-sales-collateral" });
google.drive.addFile(folder.id, { name: "Pricing overview.pdf", content: "pricing plans for manufacturing and logistics teams" });
google.drive.addFile(folder.id, { name: "Security whitepaper.pdf", content: "SOC 2, ISO 27001, data residency" });
google.drive.addFile(folder.id, { name: "Case study - Acme Logistics.pdf", content: "logistics case study, 30% faster replies" });

process.stdout.write(
  [
    `Fake Google (OAuth, Gmail, Calendar, Drive) at ${google.url}`,
    `  consenting user: ${email} (mailbox with 5 messages, calendar busy 09-10 and 13-14 UTC for 30 days)`,
    `  Drive folder to allowlist (settings.assets.folderIds): ${folder.id}`,
    "",
    "Start the service with:",
    `  GOOGLE_OAUTH_BASE_URL=${google.url} GOOGLE_API_ROOT_URL=${google.rootUrl} GOOGLE_CLIENT_ID=${google.oauth.clientId} GOOGLE_CLIENT_SECRET=${google.oauth.clientSecret} npm start`,
    "",
  ].join("\n"),
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void google.close().then(() => process.exit(0));
  });
}
