// Assembles the schema: importing each feature file registers its types.
import { lexicographicSortSchema, type GraphQLSchema } from "graphql";
import { builder } from "../builder.js";
import "./user-error.js";
import "./access/role.js";
import "./tenant/tenant.js";
import "./tenant/retention.js";
import "./access/user.js";
import "./access/membership.js";
import "./access/api-key.js";
import "./audit-entry.js";
import "./access/me.js";
import "./event.js";
import "./draft/draft.js";
import "./draft/draft-mutation.js";
import "./sending/suppression.js";
import "./sending/sending.js";
import "./agent/ai-invocation.js";
import "./sending/deliverability.js";
import "./lead/company.js";
import "./lead/contact.js";
import "./lead/contact-list.js";
import "./lead/lead.js";
import "./lead/score.js";
import "./pipeline/deal.js";
import "./pipeline/task.js";
import "./pipeline/activity.js";
import "./agent/agent-run.js";
import "./inbound/inbound-message.js";
import "./pipeline/recommendation.js";
import "./draft/voice.js";
import "./connection/connection.js";
import "./connection/gmail-sync.js";
import "./connection/google-delegation.js";
import "./draft/meeting-slot.js";
import "./draft/asset.js";
import "./report/outcome-report.js";
import "./report/weekly-digest.js";
import "./connection/webhook.js";
import "./inbound/inbound-webhook.js";
import "./access/platform.js";
import "./access/invitation.js";
import "./access/oidc-sign-in.js";
import "./access/session.js";
import "./connection/hubspot.js";
import "./sequence/sequence.js";
import "./campaign/campaign.js";
import "./memory/memory.js";
import "./rate-limit.js";
import "./governance/erasure.js";
import "./governance/data-export.js";

let schema: GraphQLSchema | undefined;

export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ sortSchema: false });
  return schema;
}

/** The printed SDL, sorted so diffs stay readable; committed as /schema.graphql. */
export function sortedSchema(): GraphQLSchema {
  return lexicographicSortSchema(buildSchema());
}
