// A walkthrough of the Google connection without a Google account, against a
// running service started with the variables `npm run dev:fakes` prints:
// connect the demo mailbox (OAuth with PKCE against the fake: the consent
// redirect is followed as a browser would), sync it, have a prospect's reply
// arrive, watch it be analysed and a reply draft be proposed with meeting
// slots from the rep's (fake) calendar. Every step is a public GraphQL call.
//   SALES_AGENT_TOKEN=<a member's bearer token, printed by npm start> npx tsx scripts/walkthrough-google.ts
//   SALES_AGENT_URL (default http://127.0.0.1:4000), FAKE_GOOGLE_URL (default http://127.0.0.1:4010)
const service = (process.env.SALES_AGENT_URL ?? "http://127.0.0.1:4000").replace(/\/$/, "");
const fake = (process.env.FAKE_GOOGLE_URL ?? "http://127.0.0.1:4010").replace(/\/$/, "");
const token = process.env.SALES_AGENT_TOKEN;
if (!token) {
  process.stderr.write("Set SALES_AGENT_TOKEN to a member's bearer token (npm start prints one per role; use the OPERATOR's).\n");
  process.exit(2);
}

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${service}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data!;
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined>, seconds = 120): Promise<T> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const step = (n: number, text: string) => process.stdout.write(`\n${n}. ${text}\n`);

step(1, "connectionStart: the service returns Google's consent URL (PKCE, signed single-use state)");
const started = await gql<{ connectionStart: { authorizationUrl: string | null; userErrors: { message: string }[] } }>(
  `mutation { connectionStart(input: { provider: GOOGLE }) { authorizationUrl userErrors { message } } }`,
);
if (!started.connectionStart.authorizationUrl) throw new Error(started.connectionStart.userErrors.map((e) => e.message).join("; "));
process.stdout.write(`   ${started.connectionStart.authorizationUrl.slice(0, 100)}…\n`);

step(2, "The fake Google consents at once and sends the browser back to /oauth/callback");
const consent = await fetch(started.connectionStart.authorizationUrl, { redirect: "manual" });
const callback = await fetch(consent.headers.get("location")!);
process.stdout.write(`   callback: HTTP ${callback.status}\n`);
if (callback.status !== 200) throw new Error(await callback.text());
const { connections } = await gql<{ connections: { edges: { node: { id: string; accountEmail: string; status: string } }[] } }>(
  `query { connections(first: 20, filter: { provider: GOOGLE, status: [ACTIVE] }) { edges { node { id accountEmail status } } } }`,
);
const connection = connections.edges[0]!.node;
process.stdout.write(`   connected ${connection.accountEmail} (${connection.status})\n`);

step(3, "gmailSyncNow: the first sync imports the mailbox");
await gql(`mutation($id: ID!) { gmailSyncNow(input: { connectionId: $id }) { queued userErrors { message } } }`, { id: connection.id });
await waitFor("the first sync", async () => {
  const r = await gql<{ node: { lastSyncAt: string | null } }>(`query($id: ID!) { node(id: $id) { ... on Connection { lastSyncAt } } }`, { id: connection.id });
  return r.node.lastSyncAt;
});
process.stdout.write("   synced\n");

step(4, "A prospect replies asking for a meeting (delivered into the fake mailbox)");
const prospect = `dana.buyer@acme-logistics.example`;
const messageId = `<walkthrough-${Date.now()}@acme-logistics.example>`;
const raw = [
  `From: Dana Buyer <${prospect}>`,
  `To: ${connection.accountEmail}`,
  `Subject: Re: Pilot for the logistics team`,
  `Date: ${new Date().toUTCString()}`,
  `Message-ID: ${messageId}`,
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=utf-8",
  "",
  "Hi, thanks for the overview. Could we set up a 30 minute call next week to discuss pricing for 40 seats?",
  "",
  "Dana",
  "",
].join("\r\n");
const delivered = await fetch(`${fake}/__fake/gmail/deliver`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: connection.accountEmail, raw }) });
if (!delivered.ok) throw new Error(`the fake did not take the message (HTTP ${delivered.status}); is npm run dev:fakes running?`);
await gql(`mutation($id: ID!) { gmailSyncNow(input: { connectionId: $id }) { queued } }`, { id: connection.id });

step(5, "The incremental sync ingests it and the inbound-analysis agent analyses it");
const inbound = await waitFor("the analysed reply", async () => {
  const r = await gql<{ inboundMessages: { edges: { node: { id: string; messageId: string; intent: string | null; analysedAt: string | null; subject: string } }[] } }>(
    `query { inboundMessages(first: 20) { edges { node { id messageId intent analysedAt subject } } } }`,
  );
  return r.inboundMessages.edges.map((e) => e.node).find((m) => m.messageId === messageId && m.analysedAt);
});
process.stdout.write(`   "${inbound.subject}": intent ${inbound.intent}\n`);

step(6, "The draft writer proposes a reply as the mailbox's owner: sent from that mailbox, slots from their calendar");
const draft = await waitFor("the reply draft", async () => {
  const r = await gql<{ node: { drafts: { id: string; status: string; subject: string; mailbox: string; bodyText: string; offeredSlots: { timeZone: string; slots: { label: string }[]; noSlotReason: string | null } | null }[] } }>(
    `query($id: ID!) { node(id: $id) { ... on InboundMessage { drafts { id status subject mailbox bodyText offeredSlots { timeZone noSlotReason slots { label } } } } } }`,
    { id: inbound.id },
  );
  return r.node.drafts[0];
}, 180);
process.stdout.write(`   draft ${draft.status}: ${draft.subject} (from ${draft.mailbox})\n`);
if (!draft.offeredSlots) throw new Error("the draft offers no meeting slots: the calendar was not consulted (does the mailbox's owner have a calendar scope?)");
process.stdout.write(`   slots (${draft.offeredSlots.timeZone}): ${draft.offeredSlots.slots.map((s) => s.label).join(" | ") || draft.offeredSlots.noSlotReason}\n`);
process.stdout.write(`\n${draft.bodyText.split("\n").map((l) => `   > ${l}`).join("\n")}\n\nDone: approve it with draftApprove and it is sent through the Gmail transport into the same thread.\n`);
