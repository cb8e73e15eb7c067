// Whether anything may leave at all: the tenant's sending mode (DRAFT_ONLY by
// default: drafts can be written and approved, nothing is sent) and the kill
// switches — one per tenant (in its settings, flipped by sendingKillSwitchSet)
// and one global (SENDING_KILL_SWITCH in the environment) that stop every
// send, including jobs already queued.
import { z } from "zod";
import { MAILBOX_TRANSPORT_CHOICES } from "./mail-route.js";
import { userError, type UserError } from "../user-error.js";

export const SENDING_MODES = ["DRAFT_ONLY", "SEND_ALLOWED"] as const;
export type SendingMode = (typeof SENDING_MODES)[number];

const email = z.string().trim().toLowerCase().email("must be an e-mail address").max(254);

export const sendingSettingsSchema = z
  .object({
    mode: z.enum(SENDING_MODES).default("DRAFT_ONLY"),
    killSwitch: z
      .object({
        engaged: z.boolean().default(false),
        reason: z.string().max(500).nullable().default(null),
        changedAt: z.string().datetime().nullable().default(null),
        changedBy: z.string().max(200).nullable().default(null),
      })
      .strict()
      .default({ engaged: false, reason: null, changedAt: null, changedBy: null }),
    /** Mailboxes drafts may be sent from. Empty: only the author's own address. */
    mailboxes: z.array(email).max(100).default([]),
    /** The sender's postal address, appended to marketing mail (CAN-SPAM). */
    postalAddress: z.string().trim().min(10).max(500).nullable().default(null),
    /** Display name on outgoing mail, e.g. "Acme Sales". */
    senderName: z.string().trim().min(1).max(100).nullable().default(null),
    /** Per sender mailbox: AUTO (absent), GMAIL or DEFAULT — how it leaves (see domain/mail-route.ts). */
    mailboxTransports: z
      .record(email, z.enum(MAILBOX_TRANSPORT_CHOICES))
      .refine((m) => Object.keys(m).length <= 100, "at most 100 mailboxes")
      .default({}),
  })
  .strict();
export type SendingSettings = z.infer<typeof sendingSettingsSchema>;
export const DEFAULT_SENDING_SETTINGS: SendingSettings = sendingSettingsSchema.parse({});

export interface SendingState {
  mode: SendingMode;
  tenantKillSwitch: boolean;
  globalKillSwitch: boolean;
}

export type SendStop = "KILL_SWITCH" | "DRAFT_ONLY";

/** Why nothing may be sent right now (kill switches first: they override the mode), or null. */
export function sendingStop(state: SendingState): SendStop | null {
  if (state.globalKillSwitch || state.tenantKillSwitch) return "KILL_SWITCH";
  if (state.mode !== "SEND_ALLOWED") return "DRAFT_ONLY";
  return null;
}

export function sendingStopError(stop: SendStop, state: SendingState, field: string[] = ["input", "draftId"]): UserError {
  if (stop === "KILL_SWITCH") {
    const which = state.globalKillSwitch ? "The global kill switch" : "The tenant's kill switch";
    return userError("KILL_SWITCH_ENGAGED", `${which} is engaged: all sending is stopped.`, field);
  }
  return userError(
    "SENDING_DISABLED",
    "This tenant is in DRAFT_ONLY mode: drafts can be approved but not sent. An admin can set sending.mode to SEND_ALLOWED.",
    field,
  );
}

/** A sender mailbox as stored and counted: lower case and trimmed (never canonicalised — it is the From address). */
export function normaliseMailbox(value: string): string {
  return value.trim().toLowerCase();
}
