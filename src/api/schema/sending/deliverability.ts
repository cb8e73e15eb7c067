// Deliverability guardrails over the API: per-mailbox and per-domain bounce
// and complaint rates, pauses and warm-up caps on sendingStatus; the
// mailboxResume mutation (sending:control, MANAGER and up, audited); and the
// SPF/DKIM/DMARC checks of sending domains (sendingDomainCheck, sendingDomains).
import { GraphQLError } from "graphql";
import { z } from "zod";
import type { CheckedDomain } from "../../../orchestration/sending/sending-domain.js";
import { DOMAIN_NAME, readSendingDomainCheck, readSendingDomains } from "../../../orchestration/sending/sending-domain.js";
import { readMailboxHealth, resumeMailbox, type DomainHealth, type MailboxHealth, type MailboxResumeValue } from "../../../orchestration/sending/deliverability.js";
import type { WindowRates } from "../../../domain/sending/deliverability.js";
import type { DkimCheck } from "../../../domain/sending/sending-domain.js";
import { actorOf, type GraphQLContext } from "../../context.js";
import { builder } from "../../builder.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";
import { SendingStatusType } from "./sending.js";

const WindowType = builder.objectRef<WindowRates>("DeliverabilityWindow").implement({
  description: "Sends, bounces and complaints in one rolling window, and the rates (percent of sends; null without sends).",
  fields: (t) => ({
    windowHours: t.exposeInt("windowHours"),
    sends: t.exposeInt("sends"),
    hardBounces: t.exposeInt("hardBounces"),
    softBounces: t.exposeInt("softBounces"),
    complaints: t.exposeInt("complaints"),
    hardBounceRatePercent: t.exposeFloat("hardBounceRatePercent", { nullable: true }),
    complaintRatePercent: t.exposeFloat("complaintRatePercent", { nullable: true }),
  }),
});

const MailboxStatusEnum = builder.enumType("SendingMailboxStatus", {
  description: "ACTIVE sends; PAUSED (by the deliverability guardrails) holds every send until a MANAGER resumes it (mailboxResume).",
  values: ["ACTIVE", "PAUSED"] as const,
});

const WarmupType = builder.objectRef<NonNullable<MailboxHealth["warmup"]> & { sentLast24h: number }>("MailboxWarmup").implement({
  description: "The warm-up cap in force: startPerDay × (1 + dailyGrowthPercent/100)^day, until it reaches the normal mailbox quota.",
  fields: (t) => ({
    day: t.int({ description: "1 on the first day (the 24 h after the mailbox's first send).", resolve: (w) => w.day + 1 }),
    rampDays: t.exposeInt("rampDays", { description: "Days the ramp lasts in all." }),
    capPerDay: t.exposeInt("cap"),
    sentLast24h: t.exposeInt("sentLast24h"),
    remainingToday: t.int({ resolve: (w) => Math.max(0, w.cap - w.sentLast24h) }),
  }),
});

const MailboxHealthType = builder.objectRef<MailboxHealth>("SendingMailboxHealth").implement({
  fields: (t) => ({
    mailbox: t.exposeString("mailbox"),
    sendingDomain: t.exposeString("sendingDomain"),
    status: t.field({ type: MailboxStatusEnum, resolve: (m) => m.status }),
    pauseCode: t.exposeString("pauseCode", { nullable: true, description: "HARD_BOUNCE_RATE, COMPLAINT_RATE or COMPLAINT_BURST." }),
    pauseReason: t.exposeString("pauseReason", { nullable: true }),
    pausedAt: t.expose("pausedAt", { type: "DateTime", nullable: true }),
    resumedAt: t.expose("resumedAt", { type: "DateTime", nullable: true }),
    resumedBy: t.exposeString("resumedBy", { nullable: true }),
    windows: t.field({ type: [WindowType], resolve: (m) => m.windows }),
    warmup: t.field({ type: WarmupType, nullable: true, description: "Null when warm-up is off or this mailbox's ramp is over.", resolve: (m) => (m.warmup ? { ...m.warmup, sentLast24h: m.sentLast24h } : null) }),
  }),
});

const DomainRatesType = builder.objectRef<DomainHealth>("SendingDomainRates").implement({
  fields: (t) => ({
    domain: t.exposeString("domain"),
    windows: t.field({ type: [WindowType], resolve: (d) => d.windows }),
  }),
});

// One read per request for both fields.
const healthOf = new WeakMap<object, Promise<{ mailboxes: MailboxHealth[]; domains: DomainHealth[] }>>();
function health(ctx: GraphQLContext) {
  let h = healthOf.get(ctx);
  if (!h) {
    h = readMailboxHealth(ctx.services, actorOf(ctx));
    healthOf.set(ctx, h);
  }
  return h;
}

builder.objectFields(SendingStatusType, (t) => ({
  mailboxes: t.field({
    type: [MailboxHealthType],
    description: "Every sender mailbox (configured, recently used or ever paused): status, pause reason, bounce and complaint rates, warm-up cap.",
    resolve: async (_s, _a, ctx) => (await health(ctx)).mailboxes,
  }),
  domainRates: t.field({
    type: [DomainRatesType],
    description: "Bounce and complaint rates per sending domain (all its mailboxes together).",
    resolve: async (_s, _a, ctx) => (await health(ctx)).domains,
  }),
}));

const MailboxResumeInput = builder.inputType("MailboxResumeInput", {
  fields: (t) => ({
    mailbox: t.string({ required: true }),
    note: t.string({ required: false, description: "Why it is safe to send again (audited)." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const resumeSchema = z.object({
  mailbox: z.string().trim().toLowerCase().email("must be an e-mail address").max(254),
  // Stored in the audit entry: no NUL or lone surrogates (PostgreSQL's JSON refuses them).
  note: z
    .string()
    .trim()
    .max(500)
    .refine((v) => !/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(v), "must be plain text")
    .nullish(),
});

const MailboxResumePayload = payloadType<Payload<MailboxResumeValue>>("MailboxResumePayload", (t) => ({
  mailbox: t.string({ nullable: true, resolve: (p) => p.mailbox ?? null }),
  sendsRequeued: t.int({ nullable: true, description: "Held drafts of this mailbox put back in the queue.", resolve: (p) => p.sendsRequeued ?? null }),
}));

builder.mutationField("mailboxResume", (t) =>
  t.field({
    type: MailboxResumePayload,
    description: "Resumes a mailbox the deliverability guardrails paused; its held drafts are queued again. MANAGER and up; audited.",
    authScopes: { permission: "sending:control" },
    args: { input: t.arg({ type: MailboxResumeInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(resumeSchema, { mailbox: input.mailbox, note: input.note });
      if (!parsed.ok) return errorPayload<MailboxResumeValue>(parsed.errors);
      return toPayload(await resumeMailbox(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const CheckStatusEnum = builder.enumType("DnsCheckStatus", {
  description: "PASS; FAIL (the resolver answered and the record is missing or wrong); UNKNOWN (DNS did not answer).",
  values: ["PASS", "FAIL", "UNKNOWN"] as const,
});

const SpfType = builder.objectRef<CheckedDomain["spf"]>("SpfCheck").implement({
  fields: (t) => ({
    status: t.field({ type: CheckStatusEnum, resolve: (c) => c.status }),
    record: t.exposeString("record", { nullable: true }),
    all: t.exposeString("all", { nullable: true, description: "The record's all mechanism with its qualifier (-all, ~all, ?all, +all)." }),
    missingIncludes: t.exposeStringList("missingIncludes", { description: "Includes the tenant requires (deliverability.spfIncludes) that the record lacks." }),
  }),
});

const DkimSourceEnum = builder.enumType("DkimSelectorSource", {
  description: "CONFIGURED: one of the tenant's selectors (deliverability.dkimSelectors), always reported; COMMON: a common provider selector that was probed and found.",
  values: ["CONFIGURED", "COMMON"] as const,
});

const DkimType = builder.objectRef<DkimCheck>("DkimCheck").implement({
  fields: (t) => ({
    selector: t.exposeString("selector"),
    domain: t.exposeString("domain", { description: "The domain the key is published under: the sending domain, or its organizational domain." }),
    source: t.field({ type: DkimSourceEnum, resolve: (c) => c.source }),
    status: t.field({ type: CheckStatusEnum, resolve: (c) => c.status }),
    aligned: t.exposeBoolean("aligned", { description: "A passing key that aligns with the From domain under the DMARC record's adkim mode (a key of the organizational domain only when relaxed)." }),
    record: t.exposeString("record", { nullable: true }),
  }),
});

const DmarcType = builder.objectRef<CheckedDomain["dmarc"]>("DmarcCheck").implement({
  fields: (t) => ({
    status: t.field({ type: CheckStatusEnum, resolve: (c) => c.status }),
    record: t.exposeString("record", { nullable: true }),
    organizationalDomain: t.exposeString("organizationalDomain", { description: "The sending domain's organizational domain (Public Suffix List)." }),
    foundAt: t.exposeString("foundAt", { nullable: true, description: "Where the record that applies was found: _dmarc.<domain>, or _dmarc.<organizational domain> when the domain has none of its own." }),
    inherited: t.exposeBoolean("inherited", { description: "True when the record is the organizational domain's (RFC 7489 §6.6.3)." }),
    policy: t.exposeString("policy", { nullable: true, description: "The policy that applies: p= (none, quarantine or reject), or sp= for a subdomain under an inherited record." }),
    subdomainPolicy: t.exposeString("subdomainPolicy", { nullable: true }),
    aspf: t.exposeString("aspf", { nullable: true, description: "SPF alignment: r (relaxed) or s (strict)." }),
    adkim: t.exposeString("adkim", { nullable: true, description: "DKIM alignment: r (relaxed) or s (strict)." }),
    pct: t.exposeInt("pct", { nullable: true }),
  }),
});

const DomainCheckType = builder.objectRef<CheckedDomain & { failingSince?: Date | null }>("SendingDomainCheck").implement({
  description: "SPF, DKIM and DMARC of a sending domain from DNS, with what to fix.",
  fields: (t) => ({
    domain: t.exposeString("domain"),
    spf: t.field({ type: SpfType, resolve: (d) => d.spf }),
    dkim: t.field({ type: [DkimType], resolve: (d) => d.dkim }),
    dmarc: t.field({ type: DmarcType, resolve: (d) => d.dmarc }),
    spfAligned: t.exposeBoolean("spfAligned"),
    dkimAligned: t.exposeBoolean("dkimAligned"),
    alignment: t.field({ type: CheckStatusEnum, description: "Would DMARC pass: FAIL refuses sends from this domain (deliverability.enforceDmarc).", resolve: (d) => d.alignment }),
    fixes: t.exposeStringList("fixes"),
    checkedAt: t.expose("checkedAt", { type: "DateTime" }),
    cached: t.exposeBoolean("cached"),
    failingSince: t.field({
      type: "DateTime",
      nullable: true,
      description: "In sendingDomains: since when the scheduled re-check has found the domain failing DMARC (null while it passes, and in sendingDomainCheck).",
      resolve: (d) => d.failingSince ?? null,
    }),
  }),
});

builder.queryField("sendingDomainCheck", (t) =>
  t.field({
    type: DomainCheckType,
    description:
      "Checks SPF, DKIM (the tenant's selectors and the common providers' ones) and DMARC (the domain's record, else its organizational domain's) through DNS; cached for DNS_CHECK_CACHE_SECONDS unless fresh.",
    authScopes: { permission: "draft:read" },
    args: { domain: t.arg.string({ required: true }), fresh: t.arg.boolean({ required: false }) },
    resolve: (_root, args, ctx) => {
      const domain = args.domain.trim().toLowerCase().replace(/\.$/, "");
      if (!DOMAIN_NAME.test(domain)) throw new GraphQLError("domain must be a domain name, e.g. example.com.", { extensions: { code: "BAD_USER_INPUT", argumentPath: ["domain"] } });
      return readSendingDomainCheck(ctx.services, actorOf(ctx), domain, args.fresh ?? false);
    },
  }),
);

builder.queryField("sendingDomains", (t) =>
  t.field({
    type: [DomainCheckType],
    description:
      "The checks of every domain the tenant sends from (configured mailboxes and the last 30 days' sends), each as the send path uses it: the newer of the cached check and the scheduled re-check, with failingSince.",
    authScopes: { permission: "draft:read" },
    resolve: (_root, _args, ctx) => readSendingDomains(ctx.services, actorOf(ctx)),
  }),
);
