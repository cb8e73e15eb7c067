// Picks the transport from configuration: the local outbox by default, SMTP
// when MAIL_TRANSPORT=smtp. (Gmail is chosen per mailbox at send time: see
// domain/mail-route.ts and orchestration/mail-route.ts.)
import type { Config } from "../../config/index.js";
import type { Database } from "../../data/database.js";
import { createLocalOutboxTransport } from "./local-outbox.js";
import { createSmtpTransport } from "./smtp.js";
import type { EmailTransport } from "./transport.js";

export function createEmailTransport(config: Config, db: Database): EmailTransport {
  if (config.MAIL_TRANSPORT === "smtp") return createSmtpTransport({ url: config.SMTP_URL!, timeoutMs: config.SMTP_TIMEOUT_MS });
  return createLocalOutboxTransport(db);
}

export type { EmailTransport } from "./transport.js";
