// The Gmail transport's resolver (integrations/email/gmail.ts): the sender
// mailbox's ACTIVE Google connection in the tenant that may send
// (accountEmail = the mailbox; the tenant's shared one or a member's own), and every Gmail call
// through callWithConnection — fresh token, resilience policy, NEEDS_REAUTH
// on a refused grant. The send itself is not idempotent for the policy (no
// blind retry); the already-sent check before it is.
import { withTenant } from "../../data/database.js";
import { GMAIL_SEND_SCOPES } from "../../domain/sending/mail-route.js";
import { gmailApiFor, type GmailApi, type GmailMailboxResolver } from "../../integrations/email/gmail.js";
import { createMailboxClient, type MailboxClient } from "../../integrations/google/gmail.js";
import { callWithConnection, type ConnectionServices } from "./connection.js";

export function gmailMailboxResolver(services: ConnectionServices): GmailMailboxResolver {
  return async (tenantId, mailbox): Promise<GmailApi | null> => {
    const connection = await withTenant(services.db.prisma, { tenantId }, (tx) =>
      tx.connection.findFirst({
        where: { tenantId, provider: "GOOGLE", status: "ACTIVE", accountEmail: mailbox.trim().toLowerCase(), scopes: { hasSome: [...GMAIL_SEND_SCOPES] } },
        orderBy: [{ userId: { sort: "asc", nulls: "first" } }, { createdAt: "desc" }],
        select: { id: true, tenantId: true, provider: true },
      }),
    );
    if (!connection) return null;
    const run = <T>(fn: (client: MailboxClient) => Promise<T>, idempotent = true) =>
      callWithConnection(services, connection, ({ client, signal }) => fn(createMailboxClient({ auth: client!, rootUrl: services.config.GOOGLE_API_ROOT_URL, signal })), { idempotent });
    // One MailboxClient-shaped facade whose every call runs through the connection.
    const facade: MailboxClient = {
      profile: () => run((c) => c.profile()),
      listMessages: (input) => run((c) => c.listMessages(input)),
      getMessage: (id) => run((c) => c.getMessage(id)),
      getMetadata: (id, headers) => run((c) => c.getMetadata(id, headers)),
      history: (input) => run((c) => c.history(input)),
      send: (input) => run((c) => c.send(input), false),
      findByMessageId: (id) => run((c) => c.findByMessageId(id)),
      findSentByMessageId: (id) => run((c) => c.findSentByMessageId(id)),
    };
    return gmailApiFor(facade);
  };
}
