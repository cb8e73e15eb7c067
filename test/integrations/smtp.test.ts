// The SMTP transport against a real SMTP server (smtp-server, started here on
// a random port): the message arrives byte for byte with its envelope; a 5xx
// refusal is permanent, a 4xx one transient, and a connection that drops after
// the message was handed over is "uncertain" (never retried blindly).
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeMessage, messageIdFor } from "../../src/integrations/email/compose.js";
import { classifySmtpError, createSmtpTransport } from "../../src/integrations/email/smtp.js";
import { TransportError, type OutgoingMessage } from "../../src/integrations/email/transport.js";
import { approveDraft, createDraft, sendDraft } from "../../src/orchestration/draft/draft.js";
import { deliverDraft } from "../../src/orchestration/draft/draft-delivery.js";
import { createTenant } from "../helpers/app.js";
import { insertContact, patchSettings, sql, startOperatorApp, userActor } from "../helpers/operator.js";

interface Received {
  from: string;
  to: string[];
  data: string;
  user?: string;
}

let server: SMTPServer;
let port: number;
const received: Received[] = [];
let onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) => void;

beforeAll(async () => {
  server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    onAuth(auth, _session, callback) {
      if (auth.username === "mailer" && auth.password === "s3cret-pass") callback(null, { user: auth.username });
      else callback(new Error("Invalid username or password"));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith("@nowhere.example")) {
        const error = new Error("5.1.1 No such user here") as Error & { responseCode: number };
        error.responseCode = 550;
        return callback(error);
      }
      if (address.address.startsWith("busy@")) {
        const error = new Error("4.2.1 Mailbox busy, try later") as Error & { responseCode: number };
        error.responseCode = 450;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      onData(stream, session, callback);
    },
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function storeAll() {
  onData = (stream, session, callback) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      received.push({
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
        to: session.envelope.rcptTo.map((r) => r.address),
        data: Buffer.concat(chunks).toString("utf8"),
        user: session.user as string | undefined,
      });
      callback(null, "Queued as 4242");
    });
  };
}

async function message(to: string): Promise<OutgoingMessage> {
  const messageId = messageIdFor("0190a000-0000-7000-8000-00000000abcd", "sam@acme.example");
  const raw = await composeMessage({
    messageId,
    from: { address: "sam@acme.example", name: "Sam Lee" },
    to,
    subject: "Grüße from Acme — pilot follow-up",
    text: "Hi Ana,\n\nThanks for the call. Would Thursday work?\n\nBest,\nSam",
    html: "<p>Hi Ana,</p><p>Thanks for the call. Would <b>Thursday</b> work?</p>",
    date: new Date("2026-03-10T12:00:00Z"),
  });
  return { tenantId: "t", draftId: "d", messageId, envelope: { from: "sam@acme.example", to: [to] }, subject: "x", raw };
}

describe("SMTP transport against a real SMTP server", () => {
  it("delivers the exact RFC 5322 message with its envelope, authenticated", async () => {
    storeAll();
    const transport = createSmtpTransport({ url: `smtp://mailer:s3cret-pass@127.0.0.1:${port}`, timeoutMs: 5_000 });
    const msg = await message("ana@client.example");
    const receipt = await transport.send(msg);
    expect(receipt.response).toMatch(/^250 .*Queued as 4242/);
    const got = received.at(-1)!;
    expect(got).toMatchObject({ from: "sam@acme.example", to: ["ana@client.example"], user: "mailer" });
    expect(got.data.replace(/\r\n$/, "")).toBe(msg.raw.replace(/\r\n$/, ""));
    expect(got.data).toContain(`Message-ID: ${msg.messageId}`);
    expect(got.data).toMatch(/^Subject: =\?UTF-8\?Q\?Gr=C3=BC=C3=9Fe/m);
    expect(got.data).toMatch(/Content-Type: multipart\/alternative/);
    expect(await transport.lookup({ tenantId: "t", messageId: msg.messageId, mailbox: "sam@acme.example" })).toEqual({ status: "unknown" });
    await transport.close?.();
  });

  it("a 550 refusal is permanent; a 450 is transient; bad credentials are transient (a configuration to fix, then retry)", async () => {
    storeAll();
    const transport = createSmtpTransport({ url: `smtp://mailer:s3cret-pass@127.0.0.1:${port}`, timeoutMs: 5_000 });
    const permanent = await transport.send(await message("ghost@nowhere.example")).catch((e: unknown) => e);
    expect(permanent).toBeInstanceOf(TransportError);
    expect(permanent).toMatchObject({ kind: "permanent" });
    expect((permanent as Error).message).toMatch(/550/);
    const transient = await transport.send(await message("busy@client.example")).catch((e: unknown) => e);
    expect(transient).toMatchObject({ kind: "transient" });
    const badAuth = createSmtpTransport({ url: `smtp://mailer:wrong@127.0.0.1:${port}`, timeoutMs: 5_000 });
    expect(await badAuth.send(await message("ana@client.example")).catch((e: unknown) => e)).toMatchObject({ kind: "transient" });
    await transport.close?.();
    await badAuth.close?.();
  });

  it("a server that drops the connection after receiving the message makes the send 'uncertain'", async () => {
    onData = (stream, session) => {
      stream.on("data", () => {});
      stream.on("end", () => {
        // The whole message arrived; the server dies before answering.
        (session as unknown as { _socket?: { destroy(): void } })._socket?.destroy();
        for (const connection of (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections) connection._socket.destroy();
      });
    };
    const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, timeoutMs: 5_000 });
    const error = await transport.send(await message("ana@client.example")).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "uncertain" });
    await transport.close?.();
  });

  it("a server that cannot be reached is transient", async () => {
    const transport = createSmtpTransport({ url: "smtp://127.0.0.1:1", timeoutMs: 2_000 });
    expect(await transport.send(await message("ana@client.example")).catch((e: unknown) => e)).toMatchObject({ kind: "transient" });
  });

  it("classifies nodemailer errors", () => {
    expect(classifySmtpError({ message: "x", responseCode: 552, permanent: true }).kind).toBe("permanent");
    expect(classifySmtpError({ message: "x", responseCode: 421, permanent: false }).kind).toBe("transient");
    expect(classifySmtpError({ message: "timeout", code: "ETIMEDOUT", command: "CONN" }, true).kind).toBe("uncertain");
    expect(classifySmtpError({ message: "refused", code: "ECONNECTION", command: "CONN" }).kind).toBe("transient");
    expect(classifySmtpError({ message: "535 bad login", code: "EAUTH", responseCode: 535, permanent: true }).kind).toBe("transient");
  });
});

describe("the service configured with MAIL_TRANSPORT=smtp", () => {
  it("sends an approved draft through the SMTP server and records the server's reply", async () => {
    storeAll();
    const t = await startOperatorApp({ env: { MAIL_TRANSPORT: "smtp", SMTP_URL: `smtp://mailer:s3cret-pass@127.0.0.1:${port}`, SMTP_TIMEOUT_MS: "5000" } });
    try {
      const tenant = await createTenant(t, "smtp");
      await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: ["sam@acme.example"] } });
      const actor = userActor(tenant);
      const contactId = await insertContact(t.db, tenant.tenantId, { email: "ana@client.example" });
      const created = await createDraft(t.app.services, actor, {
        recipient: { contactId },
        subject: "Pilot follow-up",
        bodyText: "Hi Ana,\n\nThanks for the call. Would Thursday at 10:00 work for a short follow-up?\n\nBest,\nSam",
        category: "ONE_TO_ONE",
      });
      if (!created.ok) throw new Error(JSON.stringify(created.errors));
      const draftId = created.value.draftId;
      expect((await approveDraft(t.app.services, actor, { draftId })).ok).toBe(true);
      expect((await sendDraft(t.app.services, actor, { draftId })).ok).toBe(true);
      const before = received.length;
      expect(await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId })).toMatchObject({ outcome: "sent" });
      expect(received.length).toBe(before + 1);
      expect(received.at(-1)).toMatchObject({ from: "sam@acme.example", to: ["ana@client.example"] });
      expect(received.at(-1)!.data).toContain(`Message-ID: <draft-${draftId}@acme.example>`);
      const [row] = await sql<{ status: string; providerMessageId: string }>(t.db, `SELECT "status"::text AS status, "providerMessageId" FROM "Draft" WHERE "id" = $1`, [draftId]);
      expect(row).toEqual({ status: "SENT", providerMessageId: `<draft-${draftId}@acme.example>` });
      const [audit] = await sql<{ summary: { providerResponse: string } }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "targetId" = $1 AND "action" = 'draft.sent'`, [draftId]);
      expect(audit!.summary.providerResponse).toMatch(/^250 .*Queued as 4242/);
      expect(await sql(t.db, `SELECT 1 FROM "OutboxMessage"`)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
