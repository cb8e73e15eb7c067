// Per-mailbox transport selection for the send pipeline (draft-delivery.ts):
// reads the tenant's Google connections for the sender address (under the
// tenant's row-level security, and by tenant id besides — a tenant never
// reaches another tenant's connection), applies the rule in
// domain/mail-route.ts, and hands out the transport it names: Gmail through
// the connection (gmail-mailbox.ts) or the global MAIL_TRANSPORT one.
import type { Tx } from "../../data/database.js";
import { chooseMailRoute, type MailboxTransportChoice, type MailRoute } from "../../domain/sending/mail-route.js";
import { normaliseMailbox, type SendingSettings } from "../../domain/sending/sending.js";
import { createGmailTransport } from "../../integrations/email/gmail.js";
import { TransportError, type EmailTransport } from "../../integrations/email/transport.js";
import { gmailMailboxResolver } from "../connection/gmail-mailbox.js";
import type { Services } from "../services.js";

export async function mailRouteFor(tx: Tx, tenantId: string, mailbox: string, sending: Pick<SendingSettings, "mailboxTransports">): Promise<MailRoute> {
  const address = normaliseMailbox(mailbox);
  const choice: MailboxTransportChoice = sending.mailboxTransports?.[address] ?? "AUTO";
  if (choice === "DEFAULT") return chooseMailRoute(address, choice, []);
  const connections = await tx.connection.findMany({
    where: { tenantId, provider: "GOOGLE", accountEmail: address },
    select: { id: true, status: true, scopes: true, userId: true },
  });
  return chooseMailRoute(address, choice, connections);
}

const builtGmail = new WeakMap<object, EmailTransport>();

const unreachableGmail: EmailTransport = {
  name: "gmail",
  send: async () => {
    throw new TransportError("Gmail sending is not configured in this instance (no Google connectors).", "permanent", "GMAIL_UNAVAILABLE");
  },
  lookup: async () => ({ status: "unknown" }),
};

/** The Gmail transport of these services: the one set on services.mail, else built once over the connectors. */
export function gmailTransport(services: Services): EmailTransport | null {
  if (services.mail.gmail) return services.mail.gmail;
  const connectors = services.connectors;
  if (!connectors) return null;
  let transport = builtGmail.get(connectors);
  if (!transport) {
    transport = createGmailTransport(gmailMailboxResolver({ ...services, connectors }));
    builtGmail.set(connectors, transport);
  }
  return transport;
}

/** The transport a send record names (EmailSend.transport): Gmail for "gmail", else the global one. */
export function transportNamed(services: Services, name: string | null | undefined): EmailTransport {
  if (name === "gmail") {
    // Never ask another transport about a Gmail send: without Gmail here, the answer is "cannot tell".
    return gmailTransport(services) ?? unreachableGmail;
  }
  return services.mail.transport;
}
