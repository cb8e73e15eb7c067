// One lead: score, grade, confidence and the top factors as a chart; score
// history, activities, messages, tasks and next-best actions. Live on lead events.
import { useEffect, useMemo, useState } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { Chart, type ChartOption } from "../../chart";
import { graphql } from "../../gql";
import { useCan } from "../../permissions";
import { Link } from "../../router";
import { Empty, ErrorState, FieldErrors, Loading, formatTime, type UserErrorLike } from "../../ui";

const LeadQuery = graphql(`
  query ConsoleLead($id: ID!) {
    node(id: $id) {
      ... on Lead {
        id
        score
        grade
        status
        source
        disqualifiedReason
        createdAt
        contact { id email firstName lastName title }
        company { id name industry employeeCount }
        latestScore { id confidence fallbackReason factors { feature reason contribution source } }
        scoreHistory(first: 20) { edges { node { id score grade createdAt } } }
        activities(first: 20) { edges { node { id type subject direction occurredAt } } }
        inboundMessages(first: 10) { edges { node { id from subject receivedAt intent } } }
        tasks(first: 10) { edges { node { id title status dueAt } } }
        recommendations(first: 10, status: [OPEN]) { edges { node { id title rationale tool confidence } } }
        deals { id name stage status amount currency }
      }
    }
  }
`);

const LeadEvents = graphql(`
  subscription ConsoleOneLeadEvents {
    events(types: ["sales.lead.*", "sales.activity.*", "sales.recommendation.*", "sales.task.*"]) { id type payload }
  }
`);

const Generate = graphql(`
  mutation ConsoleRecommendationsGenerate($input: RecommendationsGenerateInput!) {
    recommendationsGenerate(input: $input) {
      agentRun { id status }
      userErrors { field message code }
    }
  }
`);

export default function LeadPage({ id }: { id: string }) {
  const [{ data, error }, refetch] = useQuery({ query: LeadQuery, variables: { id } });
  const [events] = useSubscription({ query: LeadEvents });
  useEffect(() => {
    if (events.data) refetch({ requestPolicy: "network-only" });
  }, [events.data, refetch]);
  const run = useCan("AGENT_RUN");
  const [generateState, generate] = useMutation(Generate);
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const lead = data?.node && "score" in data.node ? data.node : null;
  const factors = lead?.latestScore?.factors ?? [];
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 200, right: 30, top: 10, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", name: "points" },
      yAxis: { type: "category", inverse: true, data: factors.map((f) => f.reason.slice(0, 40)) },
      series: [
        {
          type: "bar",
          data: factors.map((f) => ({ value: Math.round(f.contribution * 10) / 10, itemStyle: { color: f.contribution >= 0 ? "#15803d" : "#b91c1c" } })),
        },
      ],
    }),
    [factors],
  );
  if (error && !data) return <ErrorState error={error} what="the lead" />;
  if (!data) return <Loading what="the lead" />;
  if (!lead) return <Empty>This lead does not exist or you may not see it. <Link to="/leads">Back to leads</Link></Empty>;
  const name = [lead.contact?.firstName, lead.contact?.lastName].filter(Boolean).join(" ") || lead.contact?.email || "Lead";
  return (
    <section aria-labelledby="lead-title" className="lead-page">
      <p>
        <Link to="/leads">← Leads</Link>
      </p>
      <h1 id="lead-title">{name}</h1>
      <dl className="figures">
        <dt>Score</dt>
        <dd data-testid="lead-page-score">{lead.score ?? "—"}</dd>
        <dt>Grade</dt>
        <dd>{lead.grade ?? "—"}</dd>
        <dt>Confidence</dt>
        <dd>{lead.latestScore ? `${Math.round(lead.latestScore.confidence * 100)} %` : "—"}</dd>
        <dt>Status</dt>
        <dd>
          {lead.status.toLowerCase()}
          {lead.disqualifiedReason ? ` (${lead.disqualifiedReason})` : ""}
        </dd>
        <dt>Company</dt>
        <dd>{lead.company?.name ?? "—"}</dd>
        <dt>E-mail</dt>
        <dd>{lead.contact?.email ?? "—"}</dd>
      </dl>
      <div className="report-grid">
        <section aria-labelledby="factors-title" className="card">
          <h2 id="factors-title">Top factors</h2>
          {factors.length === 0 ? (
            <Empty>Not scored yet.</Empty>
          ) : (
            <>
              <Chart option={option} label="Score factors: points each reason added or removed, listed below" height={Math.max(160, factors.length * 28 + 40)} />
              <ul>
                {factors.map((f, i) => (
                  <li key={i}>
                    {f.contribution > 0 ? "+" : ""}
                    {Math.round(f.contribution * 10) / 10}: {f.reason} ({f.source.toLowerCase()})
                  </li>
                ))}
              </ul>
            </>
          )}
          {lead.latestScore?.fallbackReason && <p className="hint">{lead.latestScore.fallbackReason}</p>}
        </section>
        <section aria-labelledby="next-title" className="card">
          <h2 id="next-title">Next-best actions</h2>
          {lead.recommendations.edges.length === 0 ? (
            <Empty>No open recommendations.</Empty>
          ) : (
            <ul>
              {lead.recommendations.edges.map(({ node: r }) => (
                <li key={r.id}>
                  <strong>{r.title}</strong> ({Math.round(r.confidence * 100)} %): {r.rationale}
                </li>
              ))}
            </ul>
          )}
          <p>
            <Link to="/recommendations">Act on them in the recommendations inbox</Link>
          </p>
          {run.allowed ? (
            <button
              type="button"
              disabled={generateState.fetching}
              onClick={async () => {
                const result = await generate({ input: { leadId: lead.id, idempotencyKey: crypto.randomUUID() } });
                setErrors(result.data?.recommendationsGenerate.userErrors ?? []);
              }}
            >
              Ask the recommender again
            </button>
          ) : (
            <p className="permission-note">{run.reason}</p>
          )}
          <FieldErrors errors={errors} />
        </section>
        <section aria-labelledby="history-title" className="card">
          <h2 id="history-title">Score history</h2>
          <ul>
            {lead.scoreHistory.edges.map(({ node: s }) => (
              <li key={s.id}>
                {formatTime(s.createdAt)}: {s.score} ({s.grade})
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="activity-title" className="card">
          <h2 id="activity-title">Activities and messages</h2>
          {lead.activities.edges.length === 0 && lead.inboundMessages.edges.length === 0 ? (
            <Empty>No activity yet.</Empty>
          ) : (
            <ul>
              {lead.inboundMessages.edges.map(({ node: m }) => (
                <li key={m.id}>
                  {formatTime(m.receivedAt)}: received “{m.subject}” from {m.from}
                  {m.intent ? ` (${m.intent.toLowerCase().replace("_", " ")})` : ""}
                </li>
              ))}
              {lead.activities.edges.map(({ node: a }) => (
                <li key={a.id}>
                  {formatTime(a.occurredAt)}: {a.type.toLowerCase().replace("_", " ")} {a.subject ? `“${a.subject}”` : ""}
                </li>
              ))}
            </ul>
          )}
          <h3>Tasks</h3>
          {lead.tasks.edges.length === 0 ? (
            <Empty>No tasks.</Empty>
          ) : (
            <ul>
              {lead.tasks.edges.map(({ node: t }) => (
                <li key={t.id}>
                  {t.title} ({t.status.toLowerCase()}
                  {t.dueAt ? `, due ${formatTime(t.dueAt)}` : ""})
                </li>
              ))}
            </ul>
          )}
          {lead.deals.length > 0 && (
            <>
              <h3>Deals</h3>
              <ul>
                {lead.deals.map((d) => (
                  <li key={d.id}>
                    {d.name}: {d.stage} ({d.status.toLowerCase()}), {d.amount} {d.currency}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>
    </section>
  );
}
