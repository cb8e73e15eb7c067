// SMTP with nodemailer, configured by SMTP_URL (smtp://user:pass@host:587 or
// smtps://… for implicit TLS). The message is sent as built (raw), with an
// explicit envelope. SMTP keeps no record we could ask about later, so
// lookup() answers "unknown" and a crashed send is never blindly repeated.
import { Readable } from "node:stream";
import type Nodemailer from "nodemailer";
import { lazyRequire } from "../../config/lazy-require.js";
import { TransportError, type DeliveryLookup, type EmailTransport, type OutgoingMessage, type SendReceipt } from "./transport.js";

interface SmtpFailure {
  message: string;
  code?: string;
  command?: string;
  responseCode?: number;
  permanent?: boolean;
}

/**
 * Sorts a nodemailer error into transient / permanent / uncertain (see
 * TransportErrorKind). `handedOver`: the whole message had been written to the
 * server when the error came, so without a reply it may have been accepted.
 */
export function classifySmtpError(error: SmtpFailure, handedOver = false): TransportError {
  const detail = error.responseCode ? `${error.responseCode} ${error.message}` : error.message;
  // Wrong credentials are a configuration to fix, not a verdict on the message: retry (until attempts run out).
  if (error.code === "EAUTH") return new TransportError(detail, "transient", error.code);
  if (error.responseCode !== undefined) {
    return new TransportError(detail, error.permanent ? "permanent" : "transient", error.code);
  }
  if (handedOver) return new TransportError(`${detail} (after the message was handed over)`, "uncertain", error.code);
  return new TransportError(detail, "transient", error.code);
}

// nodemailer is loaded when an SMTP transport is made, not at start-up (issue 14, idle memory).
const nodemailer = lazyRequire<typeof Nodemailer>("nodemailer");

export function createSmtpTransport(options: { url: string; timeoutMs: number }): EmailTransport {
  const url = new URL(options.url);
  const transporter = nodemailer().createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === "smtps:" ? 465 : 587)),
    secure: url.protocol === "smtps:",
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
    // Keep every wait well below the send lease, so a stuck call fails before the sweeper steps in.
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    // Local and test servers often have self-signed certificates; STARTTLS is still used when offered.
    tls: { rejectUnauthorized: url.searchParams.get("tls") !== "insecure" },
  });
  return {
    name: "smtp",
    async send(message: OutgoingMessage): Promise<SendReceipt> {
      // The raw message as a stream, so we know whether all of it reached the server before any failure.
      let handedOver = false;
      const raw = Readable.from([Buffer.from(message.raw, "utf8")]);
      raw.on("end", () => (handedOver = true));
      try {
        const info = await transporter.sendMail({ envelope: message.envelope, raw });
        if (info.rejected?.length) throw new TransportError(`The server refused ${info.rejected.join(", ")}: ${info.response}`, "permanent");
        // SMTP has no message id of its own to give back: the Message-ID is what its logs know the message by.
        return { providerMessageId: message.messageId, response: info.response };
      } catch (error) {
        if (error instanceof TransportError) throw error;
        throw classifySmtpError(error as SmtpFailure, handedOver);
      }
    },
    async lookup(): Promise<DeliveryLookup> {
      return { status: "unknown" };
    },
    async close() {
      transporter.close();
    },
  };
}
