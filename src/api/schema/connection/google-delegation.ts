// `connectionCreateGoogleDelegation`: Google Workspace domain-wide delegation
// (the alternative to each rep's OAuth consent). OWNER/ADMIN only. The key
// file goes into the credential vault and never comes back: no field of the
// schema returns it, and it is not kept for idempotent replays.
import { z } from "zod";
import { withConnectors } from "../../../orchestration/connection/connection.js";
import { connectGoogleDelegation, MAX_DELEGATED_SUBJECTS } from "../../../orchestration/connection/google-delegation.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

const DelegationInput = builder.inputType("ConnectionCreateGoogleDelegationInput", {
  fields: (t) => ({
    serviceAccountKey: t.string({
      required: true,
      description: "The service account's JSON key file, as downloaded from Google Cloud (IAM → Service accounts → Keys). Stored encrypted; never returned.",
    }),
    subjects: t.stringList({
      required: true,
      description: "Workspace users to impersonate (one connection each): a member's address becomes that member's connection, any other a shared mailbox.",
    }),
    scopes: t.stringList({
      required: false,
      description: "As connectionStart's (default: mail read and send, free/busy and events, Drive read). The client ID must be authorised for exactly these in the Admin console.",
    }),
  }),
});

const delegationSchema = z.object({
  // A JSON key file is about 2.4 kB; anything far larger is not one.
  serviceAccountKey: z.string().min(1).max(16_384),
  subjects: z.array(z.string().trim().min(1).max(254)).max(MAX_DELEGATED_SUBJECTS * 2),
  scopes: z.array(z.string().trim().min(1).max(200)).max(20),
});

const DelegationPayload = payloadType<Payload<{ connectionIds: string[]; clientId: string }>>("ConnectionCreateGoogleDelegationPayload", (t) => ({
  connections: t.prismaField({
    type: ["Connection"],
    nullable: true,
    description: "One per Workspace user, each ACTIVE.",
    resolve: (query, p, _a, ctx) => (p.connectionIds ? ctx.db.connection.findMany({ ...query, where: { id: { in: p.connectionIds } }, orderBy: { accountEmail: "asc" } }) : null),
  }),
  clientId: t.string({ nullable: true, description: "The service account's client ID (what the Admin console's domain-wide delegation lists).", resolve: (p) => p.clientId ?? null }),
}));

builder.mutationField("connectionCreateGoogleDelegation", (t) =>
  t.field({
    type: DelegationPayload,
    description:
      "Connects Workspace mailboxes through a service account with domain-wide delegation: each user's delegation is checked with Google (a token is minted) before anything is stored. A second call for the same user replaces the key. OWNER/ADMIN.",
    authScopes: { permission: "connection:manage" },
    args: { input: t.arg({ type: DelegationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(delegationSchema, { serviceAccountKey: input.serviceAccountKey, subjects: input.subjects, scopes: input.scopes ?? [] });
      if (!parsed.ok) return errorPayload<{ connectionIds: string[]; clientId: string }>(parsed.errors);
      return toPayload(await connectGoogleDelegation(withConnectors(ctx.services), actorOf(ctx), parsed.data));
    },
  }),
);
