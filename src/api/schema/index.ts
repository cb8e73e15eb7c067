// Assembles the schema: importing each feature file registers its types.
import { lexicographicSortSchema, type GraphQLSchema } from "graphql";
import { builder } from "../builder.js";
import "./user-error.js";
import "./role.js";
import "./tenant.js";
import "./user.js";
import "./membership.js";
import "./api-key.js";
import "./audit-entry.js";
import "./me.js";
import "./event.js";
import "./draft.js";
import "./draft-mutation.js";
import "./suppression.js";
import "./sending.js";
import "./ai-invocation.js";
import "./company.js";
import "./contact.js";
import "./lead.js";
import "./score.js";
import "./deal.js";
import "./task.js";
import "./activity.js";
import "./agent-run.js";
import "./inbound-message.js";
import "./recommendation.js";
import "./voice.js";
import "./connection.js";
import "./gmail-sync.js";
import "./meeting-slot.js";
import "./asset.js";
import "./outcome-report.js";
import "./webhook.js";
import "./inbound-webhook.js";
import "./platform.js";
import "./invitation.js";
import "./hubspot.js";
import "./sequence.js";
import "./rate-limit.js";

let schema: GraphQLSchema | undefined;

export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ sortSchema: false });
  return schema;
}

/** The printed SDL, sorted so diffs stay readable; committed as /schema.graphql. */
export function sortedSchema(): GraphQLSchema {
  return lexicographicSortSchema(buildSchema());
}
