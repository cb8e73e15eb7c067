// One urql client per sign-in: graphcache (normalised: a draft changed by a
// subscription event updates every list and pane that shows it), HTTP for
// queries and mutations, graphql-ws for subscriptions (the token goes in
// connection_init, never in the URL).
import { cacheExchange } from "@urql/exchange-graphcache";
import { relayPagination } from "@urql/exchange-graphcache/extras";
import { Client, fetchExchange, subscriptionExchange } from "urql";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { pendingDraftsUpdater } from "./features/review/cache";

/** Types without an id: stored inside their parent. */
const EMBEDDED = [
  "DraftActor", "DraftApproval", "DraftRevision", "QualityReport", "QualityFinding", "DraftHold", "PageInfo",
  "Me", "SendingStatus", "OutcomeReport", "FunnelRow", "AgentPerformance", "AiDraftOutcome", "ReportReason", "SystemHealth",
  "QueueHealth", "MailboxQuotaUsage", "AiBudgetUse", "OutcomeReportPeriod", "IntentShare", "RecommendationOutcome",
  "ScoreFactor", "ThreadFacts", "ThreadAsk", "ThreadDate", "ThreadObjection", "UserError", "InboundAnalysis", "InboundBounce",
  "InboundReferral", "PendingDraftsChange", "DraftStatusChange", "RecommendationGenerated", "Event", "SendQuota", "QuotaLimit",
  "DraftApprovalResult", "OutcomeReportPayload", "PipelineSummary", "PipelineSummaryStage", "PipelineStageConversion", "PipelineStage", "WeeklyDigestSettings",
  "SequenceVersion", "SequenceStep", "SequenceStepVariant", "SequenceEngagement", "SequenceExitCount", "SequenceStepEngagement", "SequenceAbVerdict",
  "SequenceVariantEngagement", "SequenceStepRun", "SequenceEnrollResult", "SequenceEnrollPayload", "SequenceCreatePayload", "EnrollmentPausePayload",
  "EnrollmentResumePayload", "EnrollmentExitPayload", "CampaignResults", "CampaignPreview", "CampaignPreviewPayload", "CampaignRankedContact",
  "CampaignExcludedContact", "CampaignExclusionCount", "CampaignPlanDay", "CampaignResolvedInput", "CampaignRecipient", "CampaignLaunchPayload",
  "CampaignPausePayload", "CampaignResumePayload", "CampaignCancelPayload", "DraftClaim", "DraftMemoryUse", "CitedAsset",
];

export interface ConsoleClient {
  client: Client;
  ws: WsClient;
  dispose(): void;
}

/** `token()` is read on every request and every (re)connection of the socket, so a refreshed token takes over without a new client. */
export function createConsoleClient(token: () => string, onAuthFailure: () => void): ConsoleClient {
  const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  const ws = createWsClient({
    url: wsUrl,
    connectionParams: () => ({ Authorization: `Bearer ${token()}` }),
    lazy: true,
    retryAttempts: Infinity,
    shouldRetry: (event) => {
      const code = (event as { code?: number } | undefined)?.code;
      if (code === 4403 || code === 4401) {
        onAuthFailure();
        return false;
      }
      return true;
    },
  });
  const keys: Record<string, () => null> = {};
  for (const name of EMBEDDED) keys[name] = () => null;
  const client = new Client({
    url: "/graphql",
    // POST only: the server's CSRF protection refuses simple GET requests.
    preferGetMethod: false,
    requestPolicy: "cache-and-network",
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token()}` } }),
    exchanges: [
      cacheExchange({
        keys: {
          ...keys,
          // Edges of the review queue are keyed by their draft, so a draft that arrives live can be appended.
          PendingDraftEdge: (edge) => {
            const id = (edge as unknown as { node?: { id?: string } }).node?.id;
            return id ? `pending:${id}` : null;
          },
        },
        resolvers: { Query: { pendingDrafts: relayPagination() } },
        updates: { Subscription: { pendingDraftsChanged: pendingDraftsUpdater } },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? "" };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, ws, dispose: () => void ws.dispose() };
}
