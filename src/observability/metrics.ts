// Prometheus metrics (prom-client), served at /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  registry: Registry;
  graphqlRequests: Counter<"operation" | "type" | "outcome">;
  graphqlDuration: Histogram<"operation" | "type">;
  graphqlErrors: Counter<"code">;
  jobCounts: Gauge<"queue" | "state">;
  jobQueueErrors: Counter<"queue" | "code">;
  outboxPending: Gauge;
  eventsPublished: Counter<"outcome">;
  aiInvocations: Counter<"provider" | "agent" | "prompt" | "outcome">;
  aiTokens: Counter<"provider" | "direction">;
  aiCostUsd: Counter<"provider">;
  aiLatency: Histogram<"provider" | "prompt">;
  aiFallbacks: Counter<"reason">;
  agentRuns: Counter<"agent" | "status">;
  agentRunDuration: Histogram<"agent">;
  /** Inbound webhook requests by kind and outcome (accepted, duplicate, unknown_endpoint, bad_signature, stale, too_large…): refused ones are only counted. */
  inboundWebhookRequests: Counter<"kind" | "outcome">;
  /** Rows removed or blanked by retention passes, by kind (src/orchestration/tenant/retention.ts). */
  retentionPurged: Counter<"kind">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    graphqlRequests: new Counter({
      name: "graphql_requests_total",
      help: "GraphQL operations by operation name, type and outcome",
      labelNames: ["operation", "type", "outcome"],
      registers: [registry],
    }),
    graphqlDuration: new Histogram({
      name: "graphql_request_duration_seconds",
      help: "GraphQL operation latency",
      labelNames: ["operation", "type"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    graphqlErrors: new Counter({
      name: "graphql_errors_total",
      help: "GraphQL errors returned to clients, by code",
      labelNames: ["code"],
      registers: [registry],
    }),
    jobCounts: new Gauge({
      name: "jobs",
      help: "Background jobs by queue and state (sampled at scrape time)",
      labelNames: ["queue", "state"],
      registers: [registry],
    }),
    jobQueueErrors: new Counter({
      name: "job_queue_errors_total",
      help: "Errors pg-boss reported (failed fetches, maintenance, connections), by queue (none: not about one queue) and PostgreSQL error code",
      labelNames: ["queue", "code"],
      registers: [registry],
    }),
    outboxPending: new Gauge({
      name: "outbox_events_pending",
      help: "Outbox events not yet published (sampled at scrape time)",
      registers: [registry],
    }),
    eventsPublished: new Counter({
      name: "events_published_total",
      help: "Outbox events published to pub/sub, by outcome",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    aiInvocations: new Counter({
      name: "ai_invocations_total",
      help: "AI provider calls by provider, agent, prompt and outcome",
      labelNames: ["provider", "agent", "prompt", "outcome"],
      registers: [registry],
    }),
    aiTokens: new Counter({
      name: "ai_tokens_total",
      help: "Tokens sent to (input) and received from (output) AI providers",
      labelNames: ["provider", "direction"],
      registers: [registry],
    }),
    aiCostUsd: new Counter({
      name: "ai_cost_usd_total",
      help: "Estimated AI cost in USD (list prices)",
      labelNames: ["provider"],
      registers: [registry],
    }),
    aiLatency: new Histogram({
      name: "ai_invocation_duration_seconds",
      help: "AI call latency, including retries",
      labelNames: ["provider", "prompt"],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    aiFallbacks: new Counter({
      name: "ai_fallbacks_total",
      help: "Calls that ran on the local provider instead of the external one, by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    agentRuns: new Counter({
      name: "agent_runs_total",
      help: "Agent run attempts by how they ended: SUCCEEDED, QUEUED (retry pending), FAILED, DEAD",
      labelNames: ["agent", "status"],
      registers: [registry],
    }),
    agentRunDuration: new Histogram({
      name: "agent_run_duration_seconds",
      help: "Agent run attempt duration",
      labelNames: ["agent"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    inboundWebhookRequests: new Counter({
      name: "inbound_webhook_requests_total",
      help: "Requests to the public inbound webhook routes, by kind (hubspot, generic) and outcome; refused ones are stored nowhere else",
      labelNames: ["kind", "outcome"],
      registers: [registry],
    }),
    retentionPurged: new Counter({
      name: "retention_purged_total",
      help: "Rows removed (or raw bodies blanked) by the tenants' retention policies, by kind",
      labelNames: ["kind"],
      registers: [registry],
    }),
  };
}
