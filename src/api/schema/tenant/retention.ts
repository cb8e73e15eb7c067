// The retention policy in force for the caller's tenant (issue 15): the
// `retention` settings section with defaults filled in, and what each rule
// removes and keeps. Changed with tenantUpdateSettings({ settings: { retention: … } }).
import { RETENTION_DEFAULTS, RETENTION_RULES, type RetentionSettings } from "../../../domain/tenant/retention.js";
import { readTenantSettings } from "../../../domain/tenant/tenant.js";
import { builder } from "../../builder.js";

interface RuleView {
  setting: string;
  days: number;
  defaultDays: number;
  removes: string;
  keeps: string;
}

const RetentionRule = builder.objectRef<RuleView>("RetentionRule").implement({
  description: "One retention rule: the setting, the days in force, the default, and what it removes and keeps.",
  fields: (t) => ({
    setting: t.exposeString("setting", { description: "The key in the `retention` settings section." }),
    days: t.exposeInt("days", { description: "Days in force for this tenant." }),
    defaultDays: t.exposeInt("defaultDays"),
    isDefault: t.boolean({ resolve: (r) => r.days === r.defaultDays }),
    removes: t.exposeString("removes"),
    keeps: t.exposeString("keeps"),
  }),
});

const RetentionPolicy = builder.objectRef<RetentionSettings>("RetentionPolicy").implement({
  description: "How long this tenant's data is kept. Audit entries are always kept.",
  fields: (t) => ({
    inboundMessageBodyDays: t.exposeInt("inboundMessageBodyDays"),
    aiInvocationTextDays: t.exposeInt("aiInvocationTextDays"),
    agentRunDays: t.exposeInt("agentRunDays"),
    deliveredOutboxEventDays: t.exposeInt("deliveredOutboxEventDays"),
    webhookDeliveryDays: t.exposeInt("webhookDeliveryDays"),
    scoreSnapshotDays: t.exposeInt("scoreSnapshotDays"),
    rules: t.field({
      type: [RetentionRule],
      resolve: (policy) =>
        RETENTION_RULES.map((rule) => ({ ...rule, days: policy[rule.setting], defaultDays: RETENTION_DEFAULTS[rule.setting] })),
    }),
  }),
});

builder.queryField("retentionPolicy", (t) =>
  t.field({
    type: RetentionPolicy,
    description: "The retention policy in force for the caller's tenant (change it with tenantUpdateSettings, section `retention`).",
    authScopes: { permission: "tenant:read" },
    resolve: async (_root, _args, ctx) => {
      const tenant = await ctx.db.tenant.findUniqueOrThrow({ where: { id: ctx.principal!.tenantId }, select: { settings: true } });
      return readTenantSettings(tenant.settings).retention;
    },
  }),
);
