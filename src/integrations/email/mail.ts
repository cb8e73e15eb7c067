// What sending needs besides the database: the transport, the secret that
// signs unsubscribe links, and the public base URL those links point to.
import { createHmac, randomBytes } from "node:crypto";
import type { Config } from "../../config/index.js";
import type { EmailTransport } from "./transport.js";

export interface MailServices {
  /** The global transport (MAIL_TRANSPORT): every mailbox not bound to Gmail (see domain/mail-route.ts). */
  transport: EmailTransport;
  /**
   * The Gmail transport for mailboxes bound to Gmail. Absent: built from the
   * connectors on first use (orchestration/mail-route.ts); tests set a wrapped one.
   */
  gmail?: EmailTransport;
  unsubscribeSecret: string;
  /** Base URL of the public endpoints (unsubscribe links); known once the server listens. */
  publicUrl: string | null;
}

/** UNSUBSCRIBE_SECRET, or outside production one derived from the JWT secret (random when there is none). */
export function resolveUnsubscribeSecret(config: Config, jwtSecret: string | undefined): string {
  if (config.UNSUBSCRIBE_SECRET) return config.UNSUBSCRIBE_SECRET;
  if (jwtSecret) return createHmac("sha256", jwtSecret).update("sales-agent unsubscribe links v1").digest("base64url");
  return randomBytes(32).toString("base64url");
}

export function unsubscribeUrl(mail: Pick<MailServices, "publicUrl">, token: string): string | null {
  return mail.publicUrl ? `${mail.publicUrl.replace(/\/$/, "")}/unsubscribe/${token}` : null;
}

export function publicHost(mail: Pick<MailServices, "publicUrl">): string | null {
  if (!mail.publicUrl) return null;
  try {
    return new URL(mail.publicUrl).hostname.toLowerCase();
  } catch {
    return null;
  }
}
