// The default transport: "delivers" into the tenant's local outbox table,
// where the full RFC 5322 message can be read through the API (outboxMessages).
// Idempotent by Message-ID: storing the same message twice keeps the first,
// so a send retried after a crash never makes a second copy.
import { withTenant, type Database } from "../../data/database.js";
import type { DeliveryLookup, EmailTransport, MessageRef, OutgoingMessage, SendReceipt } from "./transport.js";

export function createLocalOutboxTransport(db: Database): EmailTransport {
  return {
    name: "local",
    async send(message: OutgoingMessage): Promise<SendReceipt> {
      const id = await withTenant(db.prisma, { tenantId: message.tenantId }, async (tx) => {
        const inserted = await tx.$queryRaw<{ id: string }[]>`
          INSERT INTO "OutboxMessage" ("id", "tenantId", "draftId", "messageId", "mailFrom", "rcptTo", "subject", "raw")
          VALUES (gen_random_uuid(), ${message.tenantId}::uuid, ${message.draftId}::uuid, ${message.messageId}, ${message.envelope.from},
                  ${message.envelope.to}::text[], ${message.subject}, ${message.raw})
          ON CONFLICT ("tenantId", "messageId") DO NOTHING
          RETURNING "id"`;
        if (inserted[0]) return inserted[0].id;
        const existing = await tx.outboxMessage.findUniqueOrThrow({
          where: { tenantId_messageId: { tenantId: message.tenantId, messageId: message.messageId } },
          select: { id: true },
        });
        return existing.id;
      });
      return { providerMessageId: `local:${id}`, response: "stored in the local outbox" };
    },
    async lookup({ tenantId, messageId }: MessageRef): Promise<DeliveryLookup> {
      const found = await withTenant(db.prisma, { tenantId }, (tx) =>
        tx.outboxMessage.findUnique({ where: { tenantId_messageId: { tenantId, messageId } }, select: { id: true } }),
      );
      return found ? { status: "found", providerMessageId: `local:${found.id}` } : { status: "not_found" };
    },
  };
}
