// Gmail sync and voice from the Sent folder: `gmailSyncNow(connectionId)`,
// `voiceLearnFromMailbox(limit)` and `Connection.gmailSync` (where the
// mailbox's sync stands). The work is in src/orchestration/connection/gmail-sync.ts.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { z } from "zod";
import { learnVoiceFromMailbox, requestGmailSync, VOICE_MAILBOX_MAX, type VoiceLearnFromMailboxValue } from "../../../orchestration/connection/gmail-sync.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { ConnectionType } from "./connection.js";
import { idOf } from "../global-id.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

interface SyncStateRow {
  historyId: string | null;
  lastMode: string | null;
  lastSyncAt: Date | null;
  lastFullSyncAt: Date | null;
  lastImported: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  leaseUntil: Date | null;
}

const GmailSyncStateType = builder.objectRef<SyncStateRow>("GmailSyncState").implement({
  description: "Where a connected Gmail mailbox's sync stands.",
  fields: (t) => ({
    mode: t.exposeString("lastMode", { nullable: true, description: "The last sync: FULL (first), INCREMENTAL, or RESYNC (Google's history had expired)." }),
    lastSyncAt: t.expose("lastSyncAt", { type: "DateTime", nullable: true }),
    lastFullSyncAt: t.expose("lastFullSyncAt", { type: "DateTime", nullable: true }),
    lastImported: t.exposeInt("lastImported", { description: "Received messages the last sync ingested." }),
    running: t.boolean({ description: "A sync holds the mailbox now.", resolve: (s) => !!s.leaseUntil && s.leaseUntil > new Date() }),
    incremental: t.boolean({ description: "A history id is stored: the next sync reads only what changed.", resolve: (s) => s.historyId !== null }),
    lastError: t.exposeString("lastError", { nullable: true }),
    lastErrorAt: t.expose("lastErrorAt", { type: "DateTime", nullable: true }),
  }),
});

builder.objectField(ConnectionType, "gmailSync", (t) =>
  t.field({
    type: GmailSyncStateType,
    nullable: true,
    description: "The Gmail sync of this mailbox; null until its first sync started.",
    resolve: (c, _a, ctx) =>
      c.provider === "GOOGLE" ? ctx.db.gmailSyncState.findUnique({ where: { tenantId_connectionId: { tenantId: c.tenantId, connectionId: c.id } } }) : null,
  }),
);

const GmailSyncNowInput = builder.inputType("GmailSyncNowInput", {
  fields: (t) => ({
    connectionId: t.id({ required: true }),
  }),
});

const GmailSyncNowPayload = payloadType<Payload<{ connectionId: string; queued: boolean }>>("GmailSyncNowPayload", (t) => ({
  connection: t.prismaField({
    type: "Connection",
    nullable: true,
    resolve: (query, p, _a, ctx) => (p.connectionId ? ctx.db.connection.findUnique({ ...query, where: { id: p.connectionId } }) : null),
  }),
  queued: t.boolean({
    nullable: true,
    description: "false: a sync of this mailbox is already waiting (it will pick up everything).",
    resolve: (p) => p.queued ?? null,
  }),
}));

builder.mutationField("gmailSyncNow", (t) =>
  t.field({
    type: GmailSyncNowPayload,
    description:
      "Queues a sync of a connected Gmail mailbox now (the first sync imports the last GMAIL_SYNC_INITIAL_DAYS days; later ones only what changed). Your own mailbox; the shared one or another member's needs connection:manage.",
    authScopes: { permission: "connection:connect" },
    args: { input: t.arg({ type: GmailSyncNowInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.connectionId), "Connection", ["input", "connectionId"]);
      if (!id.ok) return errorPayload<{ connectionId: string; queued: boolean }>(id.errors);
      return toPayload(await requestGmailSync(ctx.services, actorOf(ctx), { connectionId: id.id }));
    },
  }),
);

const VoiceLearnFromMailboxInput = builder.inputType("VoiceLearnFromMailboxInput", {
  fields: (t) => ({
    limit: t.int({ required: false, description: `How many of your most recent sent e-mails to read (1–${VOICE_MAILBOX_MAX}, default 50).` }),
    connectionId: t.id({ required: false, description: "Which of your Google connections (default: your newest ACTIVE one). Only your own." }),
  }),
});

const voiceLearnSchema = z.object({
  limit: z.number().int().min(1).max(VOICE_MAILBOX_MAX),
});

const VoiceLearnFromMailboxPayload = payloadType<Payload<VoiceLearnFromMailboxValue>>("VoiceLearnFromMailboxPayload", (t) => ({
  userId: t.id({ nullable: true, resolve: (p) => (p.userId ? encodeGlobalID("User", p.userId) : null) }),
  connection: t.prismaField({
    type: "Connection",
    nullable: true,
    resolve: (query, p, _a, ctx) => (p.connectionId ? ctx.db.connection.findUnique({ ...query, where: { id: p.connectionId } }) : null),
  }),
  read: t.int({ nullable: true, description: "Sent e-mails read from the mailbox.", resolve: (p) => p.read ?? null }),
  imported: t.int({ nullable: true, description: "New samples.", resolve: (p) => p.imported ?? null }),
  duplicates: t.int({ nullable: true, description: "E-mails imported before (same subject and body).", resolve: (p) => p.duplicates ?? null }),
  sampleCount: t.int({ nullable: true, resolve: (p) => p.sampleCount ?? null }),
  agentRun: t.prismaField({
    type: "AgentRun",
    nullable: true,
    description: "The voice learner run; voiceProfile shows the result when it succeeds.",
    resolve: (query, p, _a, ctx) => (p.agentRunId ? ctx.db.agentRun.findUnique({ ...query, where: { id: p.agentRunId } }) : null),
  }),
}));

builder.mutationField("voiceLearnFromMailbox", (t) =>
  t.field({
    type: VoiceLearnFromMailboxPayload,
    description: "Imports your recent sent mail (the Sent label of your own connected Google mailbox) as voice samples and queues voice learning. Re-running adds only new mail.",
    authScopes: { permission: "draft:write" },
    args: { input: t.arg({ type: VoiceLearnFromMailboxInput, required: false }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(voiceLearnSchema, { limit: input?.limit ?? 50 });
      if (!parsed.ok) return errorPayload<VoiceLearnFromMailboxValue>(parsed.errors);
      let connectionId: string | null = null;
      if (input?.connectionId != null) {
        const id = idOf(String(input.connectionId), "Connection", ["input", "connectionId"]);
        if (!id.ok) return errorPayload<VoiceLearnFromMailboxValue>(id.errors);
        connectionId = id.id;
      }
      return toPayload(await learnVoiceFromMailbox(ctx.services, actorOf(ctx), { limit: parsed.data.limit, connectionId }));
    },
  }),
);
