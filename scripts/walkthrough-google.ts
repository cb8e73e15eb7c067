// A walkthrough of the Google connection without a Google account, against a
// running service started with the variables `npm run dev:fakes` prints, all
// the way from connecting a mailbox to the reply sent into the prospect's
// thread. Every step is a public GraphQL call (the same operations the README
// lists for GraphiQL); the fake Google is only used to deliver the prospect's
// mail and to show what Gmail received.
//  1. (OWNER) allowlist the fake Drive's collateral folder, switch to SEND_ALLOWED
//  2. (OPERATOR) connectionStart → the fake's consent → /oauth/callback: their own mailbox
//  3. gmailSyncNow: the first sync
//  4. a prospect's meeting request is delivered into the mailbox and synced
//  5. the inbound-analysis agent analyses it
//  6. the draft writer proposes a reply: three free slots in the prospect's zone
//     from the rep's calendar, and one allowlisted Drive asset that the quality gate allows
//  7. draftApprove, draftSend
//  8. the draft is SENT through the Gmail transport; the fake Gmail received exactly one
//     message with the draft's Message-ID, in the prospect's thread, with In-Reply-To and References
// Any step that does not happen fails with a message saying which and why (exit code 1).
//   SALES_AGENT_TOKEN=<the OPERATOR's token> SALES_AGENT_OWNER_TOKEN=<the OWNER's token> npx tsx scripts/walkthrough-google.ts
//   (npm start prints both.) SALES_AGENT_URL (default http://127.0.0.1:4000), FAKE_GOOGLE_URL
//   (default http://127.0.0.1:4010), FAKE_DRIVE_FOLDER (default fld-demo-sales-collateral).
// test/api/connection/google-walkthrough.test.ts runs this same flow against the fakes.
import { pathToFileURL } from "node:url";

export interface GoogleWalkthroughOptions {
  serviceUrl: string;
  fakeGoogleUrl: string;
  /** A member allowed to connect a mailbox, approve and send (OPERATOR and up under the default approval policy). */
  operatorToken: string;
  /** A member allowed to change the tenant's settings (OWNER or ADMIN). */
  ownerToken: string;
  driveFolderId: string;
  /** Seconds to wait for each asynchronous step (sync, analysis, draft, send). */
  waitSeconds?: number;
  log?: (line: string) => void;
}

export interface GoogleWalkthroughResult {
  connectionId: string;
  accountEmail: string;
  inboundMessageId: string;
  draftId: string;
  offeredSlots: { timeZone: string; timeZoneSource: string; slots: { start: string; end: string; label: string }[] };
  citedAssets: { fileId: string; name: string; url: string }[];
  sent: FakeSent;
  /** The Gmail thread the prospect's message arrived in. */
  threadId: string;
}

interface FakeSent {
  mailbox: string;
  id: string;
  threadId: string;
  messageId: string | null;
  raw: string;
}

interface UserError {
  code: string;
  field: string[] | null;
  message: string;
}

class WalkthroughError extends Error {}

export async function runGoogleWalkthrough(options: GoogleWalkthroughOptions): Promise<GoogleWalkthroughResult> {
  const service = options.serviceUrl.replace(/\/$/, "");
  const fake = options.fakeGoogleUrl.replace(/\/$/, "");
  const wait = options.waitSeconds ?? 120;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const step = (n: number, text: string) => log(`\n${n}. ${text}`);

  async function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(`${service}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json().catch(() => ({}))) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new WalkthroughError(`GraphQL: ${body.errors.map((e) => e.message).join("; ")}`);
    if (!res.ok || !body.data) throw new WalkthroughError(`GraphQL answered HTTP ${res.status}`);
    return body.data;
  }
  function noUserErrors(what: string, errors: UserError[]): void {
    if (errors.length) throw new WalkthroughError(`${what} refused: ${errors.map((e) => `${e.code} ${e.message}`).join("; ")}`);
  }
  async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined>): Promise<T> {
    const until = Date.now() + wait * 1000;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > until) throw new WalkthroughError(`timed out after ${wait} s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  step(1, "As the OWNER: allowlist the collateral folder in Drive and allow sending (the tenant starts DRAFT_ONLY)");
  const settings = await gql<{ tenantUpdateSettings: { userErrors: UserError[] } }>(
    options.ownerToken,
    `mutation($folder: String!) { tenantUpdateSettings(input: { settings: { assets: { folderIds: [$folder], maxCited: 1 }, sending: { mode: "SEND_ALLOWED" } } }) { userErrors { code field message } } }`,
    { folder: options.driveFolderId },
  );
  noUserErrors("tenantUpdateSettings", settings.tenantUpdateSettings.userErrors);
  log(`   settings.assets.folderIds = ["${options.driveFolderId}"], sending.mode = SEND_ALLOWED`);

  step(2, "As the OPERATOR: connectionStart returns Google's consent URL (PKCE, signed single-use state); the fake consents and sends the browser back to /oauth/callback");
  const started = await gql<{ connectionStart: { authorizationUrl: string | null; userErrors: UserError[] } }>(
    options.operatorToken,
    `mutation { connectionStart(input: { provider: GOOGLE }) { authorizationUrl userErrors { code field message } } }`,
  );
  noUserErrors("connectionStart", started.connectionStart.userErrors);
  const authorizationUrl = started.connectionStart.authorizationUrl!;
  log(`   ${authorizationUrl.slice(0, 100)}…`);
  const consent = await fetch(authorizationUrl, { redirect: "manual" }).catch((error: unknown) => {
    throw new WalkthroughError(`the consent URL did not answer (${(error as Error).message}); is npm run dev:fakes running and the service started with its variables?`);
  });
  const back = consent.headers.get("location");
  if (consent.status !== 302 || !back) throw new WalkthroughError(`the fake's consent page answered HTTP ${consent.status} without a redirect`);
  const callback = await fetch(back);
  if (callback.status !== 200) throw new WalkthroughError(`the OAuth callback answered HTTP ${callback.status}: ${(await callback.text()).slice(0, 300)}`);
  const { connections } = await gql<{ connections: { edges: { node: { id: string; accountEmail: string; status: string; scopes: string[]; user: { id: string } | null } }[] } }>(
    options.operatorToken,
    `query { connections(first: 50, filter: { provider: GOOGLE, status: [ACTIVE] }) { edges { node { id accountEmail status scopes user { id } } } } }`,
  );
  // The newest of the caller's own: the callback made or reused it just now.
  const connection = connections.edges.map((e) => e.node).find((c) => c.user !== null);
  if (!connection) throw new WalkthroughError("no ACTIVE personal Google connection after the callback");
  log(`   connected ${connection.accountEmail} (${connection.status}; ${connection.scopes.join(" ")})`);

  const syncNow = async () => {
    const r = await gql<{ gmailSyncNow: { userErrors: UserError[] } }>(
      options.operatorToken,
      `mutation($id: ID!) { gmailSyncNow(input: { connectionId: $id }) { queued userErrors { code field message } } }`,
      { id: connection.id },
    );
    noUserErrors("gmailSyncNow", r.gmailSyncNow.userErrors);
  };
  step(3, "gmailSyncNow: the first sync imports the mailbox");
  await syncNow();
  await waitFor("the first sync (Connection.lastSyncAt)", async () => {
    const r = await gql<{ node: { lastSyncAt: string | null } }>(options.operatorToken, `query($id: ID!) { node(id: $id) { ... on Connection { lastSyncAt } } }`, { id: connection.id });
    return r.node.lastSyncAt;
  });
  log("   synced");

  step(4, "A prospect replies asking for a meeting (delivered into the fake mailbox), and the mailbox is synced");
  // A German address: the slots are offered in Europe/Berlin, inferred from the .de domain.
  const prospect = "dana.buyer@acme-logistics.de";
  const messageId = `<walkthrough-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@acme-logistics.de>`;
  const raw = [
    `From: Dana Buyer <${prospect}>`,
    `To: ${connection.accountEmail}`,
    "Subject: Re: Pilot for the logistics team",
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
  const delivered = await fetch(`${fake}/__fake/gmail/deliver`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: connection.accountEmail, raw }) }).catch(() => null);
  if (!delivered?.ok) throw new WalkthroughError(`the fake did not take the message (${delivered ? `HTTP ${delivered.status}` : "no answer"}); is npm run dev:fakes running at ${fake}?`);
  const { threadId } = (await delivered.json()) as { threadId: string };
  await syncNow();

  step(5, "The incremental sync ingests it and the inbound-analysis agent analyses it");
  const inbound = await waitFor("the prospect's message, synced and analysed", async () => {
    const r = await gql<{ inboundMessages: { edges: { node: { id: string; messageId: string; intent: string | null; analysedAt: string | null; subject: string } }[] } }>(
      options.operatorToken,
      `query { inboundMessages(first: 20) { edges { node { id messageId intent analysedAt subject } } } }`,
    );
    return r.inboundMessages.edges.map((e) => e.node).find((m) => m.messageId === messageId && m.analysedAt);
  });
  log(`   "${inbound.subject}": intent ${inbound.intent}`);

  step(6, "The draft writer proposes a reply as the mailbox's owner: from that mailbox, three free slots from their calendar in the prospect's zone, one allowlisted Drive asset");
  interface DraftView {
    id: string;
    status: string;
    subject: string;
    mailbox: string;
    bodyText: string;
    messageId: string | null;
    providerMessageId: string | null;
    lastError: string | null;
    failureReason: string | null;
    offeredSlots: { timeZone: string; timeZoneSource: string; slots: { start: string; end: string; label: string }[]; noSlotReason: string | null } | null;
    citedAssets: { fileId: string; name: string; url: string }[];
    qualityReport: { verdict: string; findings: { check: string; severity: string; message: string }[] };
  }
  const DRAFT_FIELDS = `id status subject mailbox bodyText messageId providerMessageId lastError failureReason
    offeredSlots { timeZone timeZoneSource noSlotReason slots { start end label } } citedAssets { fileId name url } qualityReport { verdict findings { check severity message } }`;
  const draft = await waitFor("the reply draft", async () => {
    const r = await gql<{ node: { drafts: DraftView[] } }>(options.operatorToken, `query($id: ID!) { node(id: $id) { ... on InboundMessage { drafts { ${DRAFT_FIELDS} } } } }`, { id: inbound.id });
    return r.node.drafts[0];
  });
  log(`   draft ${draft.status}: ${draft.subject} (from ${draft.mailbox})`);
  if (draft.mailbox !== connection.accountEmail) throw new WalkthroughError(`the draft would be sent from ${draft.mailbox}, not from the connected mailbox ${connection.accountEmail}`);
  if (!draft.offeredSlots) throw new WalkthroughError("the draft offers no meeting slots: the calendar was not consulted (does the mailbox's owner have a calendar scope?)");
  if (draft.offeredSlots.slots.length !== 3) throw new WalkthroughError(`the draft offers ${draft.offeredSlots.slots.length} slots, not three (${draft.offeredSlots.noSlotReason ?? "see settings.meetings.slotsOffered"})`);
  log(`   slots in ${draft.offeredSlots.timeZone} (from ${draft.offeredSlots.timeZoneSource}): ${draft.offeredSlots.slots.map((s) => s.label).join(" | ")}`);
  if (draft.offeredSlots.timeZoneSource === "HOST") throw new WalkthroughError(`the slots are in the rep's zone (${draft.offeredSlots.timeZone}), not the prospect's`);
  for (const slot of draft.offeredSlots.slots) if (!draft.bodyText.includes(slot.label)) throw new WalkthroughError(`the text does not offer the slot "${slot.label}"`);
  const asset = draft.citedAssets[0];
  if (!asset) throw new WalkthroughError(`the draft links no Drive asset: is ${options.driveFolderId} in settings.assets.folderIds and does the mailbox's owner have drive.readonly?`);
  if (draft.citedAssets.length !== 1) throw new WalkthroughError(`the draft links ${draft.citedAssets.length} assets, not one (settings.assets.maxCited is 1)`);
  if (!draft.bodyText.includes(asset.url)) throw new WalkthroughError(`the text does not contain the cited asset's link ${asset.url}`);
  log(`   asset: ${asset.name} ${asset.url}`);
  const linkFindings = draft.qualityReport.findings.filter((f) => f.check === "LINK_NOT_ALLOWED");
  if (linkFindings.length) throw new WalkthroughError(`the quality gate does not allow a link in the draft: ${linkFindings.map((f) => f.message).join("; ")}`);
  log(`   quality gate: ${draft.qualityReport.verdict} (the asset's link allowed, and only that one)`);
  log(`\n${draft.bodyText.split("\n").map((l) => `   > ${l}`).join("\n")}`);

  step(7, "As the OPERATOR: draftApprove, then draftSend (SEND_ALLOWED; the worker re-checks the gate, suppression and quotas)");
  const approved = await gql<{ draftApprove: { draft: { status: string } | null; userErrors: UserError[] } }>(
    options.operatorToken,
    `mutation($id: ID!) { draftApprove(input: { draftId: $id }) { draft { status } userErrors { code field message } } }`,
    { id: draft.id },
  );
  noUserErrors("draftApprove", approved.draftApprove.userErrors);
  log(`   approved: ${approved.draftApprove.draft?.status}`);
  // Under a policy with auto-send after approval it is already queued; draftSend is then not needed.
  if (approved.draftApprove.draft?.status === "APPROVED") {
    const queued = await gql<{ draftSend: { draft: { status: string } | null; userErrors: UserError[] } }>(
      options.operatorToken,
      `mutation($id: ID!) { draftSend(input: { draftId: $id }) { draft { status } userErrors { code field message } } }`,
      { id: draft.id },
    );
    noUserErrors("draftSend", queued.draftSend.userErrors);
    log(`   send requested: ${queued.draftSend.draft?.status}`);
  }

  step(8, "The send worker sends it through the Gmail transport, as the connected mailbox, into the prospect's thread");
  const sentDraft = await waitFor("the draft to be SENT", async () => {
    const r = await gql<{ node: DraftView }>(options.operatorToken, `query($id: ID!) { node(id: $id) { ... on Draft { ${DRAFT_FIELDS} } } }`, { id: draft.id });
    if (["FAILED", "BLOCKED", "CANCELLED", "REJECTED"].includes(r.node.status)) {
      throw new WalkthroughError(`the draft ended ${r.node.status}: ${r.node.failureReason ?? r.node.lastError ?? "no reason given"}`);
    }
    return r.node.status === "SENT" ? r.node : null;
  });
  if (!sentDraft.providerMessageId?.startsWith("gmail:")) throw new WalkthroughError(`the draft was sent, but not through Gmail (provider message id ${sentDraft.providerMessageId})`);
  const list = await fetch(`${fake}/__fake/gmail/sent?email=${encodeURIComponent(connection.accountEmail)}`);
  if (!list.ok) throw new WalkthroughError(`the fake's sent list answered HTTP ${list.status}`);
  const copies = ((await list.json()) as { sent: FakeSent[] }).sent.filter((s) => s.messageId === sentDraft.messageId);
  if (copies.length !== 1) throw new WalkthroughError(`Gmail received ${copies.length} messages with the draft's Message-ID ${sentDraft.messageId}, not exactly one`);
  const sent = copies[0]!;
  if (`gmail:${sent.id}` !== sentDraft.providerMessageId) throw new WalkthroughError(`the draft records ${sentDraft.providerMessageId}, Gmail has ${sent.id}`);
  if (sent.threadId !== threadId) throw new WalkthroughError(`the reply went into Gmail thread ${sent.threadId}, not the prospect's ${threadId}`);
  const head = sent.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, "im").exec(head)?.[1]?.trim() ?? null;
  if (header("In-Reply-To") !== messageId) throw new WalkthroughError(`In-Reply-To is ${header("In-Reply-To")}, not the prospect's ${messageId}`);
  if (!(header("References") ?? "").split(/\s+/).includes(messageId)) throw new WalkthroughError(`References (${header("References")}) does not name the prospect's ${messageId}`);
  log(`   SENT as ${sent.mailbox}: Gmail message ${sent.id} in thread ${sent.threadId}`);
  log(`   Message-ID ${sent.messageId}; In-Reply-To ${header("In-Reply-To")}; References ${header("References")}`);
  log("   Gmail received it exactly once (a crash mid-send is covered by test/orchestration/sending/gmail-send.test.ts).");

  return {
    connectionId: connection.id,
    accountEmail: connection.accountEmail,
    inboundMessageId: inbound.id,
    draftId: draft.id,
    offeredSlots: { timeZone: draft.offeredSlots.timeZone, timeZoneSource: draft.offeredSlots.timeZoneSource, slots: draft.offeredSlots.slots },
    citedAssets: draft.citedAssets,
    sent,
    threadId,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const operatorToken = process.env.SALES_AGENT_TOKEN;
  const ownerToken = process.env.SALES_AGENT_OWNER_TOKEN;
  if (!operatorToken || !ownerToken) {
    process.stderr.write("Set SALES_AGENT_TOKEN to the OPERATOR's bearer token and SALES_AGENT_OWNER_TOKEN to the OWNER's (npm start prints one per role).\n");
    process.exit(2);
  }
  try {
    await runGoogleWalkthrough({
      serviceUrl: process.env.SALES_AGENT_URL ?? "http://127.0.0.1:4000",
      fakeGoogleUrl: process.env.FAKE_GOOGLE_URL ?? "http://127.0.0.1:4010",
      driveFolderId: process.env.FAKE_DRIVE_FOLDER ?? "fld-demo-sales-collateral",
      operatorToken,
      ownerToken,
    });
    process.stdout.write("\nDone: connected, synced, analysed, drafted with three slots and one asset, approved, and sent through Gmail into the same thread.\n");
  } catch (error) {
    process.stderr.write(`\nWALKTHROUGH FAILED: ${error instanceof WalkthroughError ? error.message : (error as Error).stack}\n`);
    process.exit(1);
  }
}
