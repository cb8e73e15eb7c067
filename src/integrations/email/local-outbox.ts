// The default transport: "delivers" into the tenant's local outbox table,
// where the full RFC 5322 message can be read through the API (outboxMessages).
// Idempotent by Message-ID: storing the same message twice keeps the first,
// so a send retried after a crash never makes a second copy.
import { withTenant, withTenantSql, type Database } from "../../data/database.js";
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
    async sendMany(messages: OutgoingMessage[]): Promise<(SendReceipt | Error)[]> {
      const tenantIds = new Set(messages.map((m) => m.tenantId));
      if (messages.length === 0) return [];
      if (tenantIds.size > 1) return Promise.all(messages.map((m) => this.send(m).catch((e: Error) => e)));
      const tenantId = messages[0]!.tenantId;
      // One statement stores them all; a Message-ID already there keeps its first copy (a repeat after a crash).
      const ids = await withTenantSql(db, { tenantId }, async (sql) => {
        const stored = await sql.query<{ id: string; messageId: string }>(
          `INSERT INTO "OutboxMessage" ("id", "tenantId", "draftId", "messageId", "mailFrom", "rcptTo", "subject", "raw")
           SELECT gen_random_uuid(), $1::uuid, m.draft_id, m.message_id, m.mail_from, m.rcpt_to::text[], m.subject, m.raw
             FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS m(draft_id, message_id, mail_from, rcpt_to, subject, raw)
           ON CONFLICT ("tenantId", "messageId") DO NOTHING
           RETURNING "id", "messageId"`,
          [
            tenantId,
            messages.map((m) => m.draftId),
            messages.map((m) => m.messageId),
            messages.map((m) => m.envelope.from),
            messages.map((m) => `{${m.envelope.to.map((to) => `"${to.replace(/(["\\])/g, "\\$1")}"`).join(",")}}`),
            messages.map((m) => m.subject),
            messages.map((m) => m.raw),
          ],
        );
        const byMessageId = new Map(stored.map((r) => [r.messageId, r.id]));
        const repeats = messages.filter((m) => !byMessageId.has(m.messageId)).map((m) => m.messageId);
        if (repeats.length > 0) {
          const existing = await sql.query<{ id: string; messageId: string }>(
            `SELECT "id", "messageId" FROM "OutboxMessage" WHERE "tenantId" = $1::uuid AND "messageId" = ANY($2::text[])`,
            [tenantId, repeats],
          );
          for (const r of existing) byMessageId.set(r.messageId, r.id);
        }
        return byMessageId;
      });
      return messages.map((m) => {
        const id = ids.get(m.messageId);
        return id ? { providerMessageId: `local:${id}`, response: "stored in the local outbox" } : new Error(`the local outbox did not store ${m.messageId}`);
      });
    },
    async lookup({ tenantId, messageId }: MessageRef): Promise<DeliveryLookup> {
      const found = await withTenant(db.prisma, { tenantId }, (tx) =>
        tx.outboxMessage.findUnique({ where: { tenantId_messageId: { tenantId, messageId } }, select: { id: true } }),
      );
      return found ? { status: "found", providerMessageId: `local:${found.id}` } : { status: "not_found" };
    },
  };
}
