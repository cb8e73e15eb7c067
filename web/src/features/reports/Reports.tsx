// Reports: the outcome report (funnel, agent performance, AI drafts,
// recommendations, system health) as charts with the figures in tables beside
// them. Refreshed live when drafts, messages or recommendations change.
import { useEffect, useMemo, useRef, useState } from "react";
import { useQuery, useSubscription } from "urql";
import { Chart, type ChartOption } from "../../chart";
import { graphql } from "../../gql";
import type { OutcomeReportGroupBy } from "../../gql/graphql";
import { Empty, ErrorState, FieldErrors, Loading, percent } from "../../ui";
import { WeeklyDigest } from "./WeeklyDigest";

const ReportQuery = graphql(`
  query ConsoleOutcomeReport($input: OutcomeReportInput!) {
    outcomeReport(input: $input) {
      userErrors { field message code }
      report {
        from
        to
        timeZone
        funnel { step count conversion ofDrafted medianHoursFromPrevious }
        periods { label drafted sent replied }
        agents { agent runs succeeded failed dead latencyP50Ms latencyP95Ms invocations costUsd }
        aiDrafts { total approved rejected sent approvalRate rejectionRate meanEditDistance medianReviewHours topRejectionReasons { reason count } }
        recommendations { total accepted dismissed expired open acceptanceRate dismissalRate topDismissalReasons { reason count } }
        intents { intent count share }
        health {
          at
          deadLetters
          outboxPending
          outboxLagSeconds
          queues { queue waiting active failed oldestWaitingSeconds }
          mailboxes { mailbox used limit remaining windowHours }
          ai { externalCostUsd monthlyCostBudgetUsd costBudgetUsed externalTokens monthlyTokenBudget }
        }
      }
    }
  }
`);

const ReportEvents = graphql(`
  subscription ConsoleReportEvents {
    events(types: ["sales.draft.*", "sales.message.*", "sales.recommendation.*", "sales.deal.*"]) { id type }
  }
`);

const STEP_LABELS: Record<string, string> = {
  DRAFTED: "Drafted",
  APPROVED: "Approved",
  SENT: "Sent",
  DELIVERED: "Delivered",
  REPLIED: "Replied",
  POSITIVE_REPLY: "Positive reply",
  MEETING: "Meeting",
  DEAL_CREATED: "Deal created",
  WON: "Won",
};

function dayStart(offsetDays: number): string {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() + offsetDays);
  return d.toISOString();
}

export default function Reports() {
  const [days, setDays] = useState(30);
  const [groupBy, setGroupBy] = useState<OutcomeReportGroupBy>("DAY");
  const [tick, setTick] = useState(0);
  const input = useMemo(() => ({ from: dayStart(-days + 1), to: dayStart(1), groupBy }), [days, groupBy, tick]);
  const [{ data, error, fetching }, refetch] = useQuery({ query: ReportQuery, variables: { input }, requestPolicy: "network-only" });
  // Live: changes arrive as events; the report is computed again at most every 3 s.
  const timer = useRef<number | null>(null);
  const [events] = useSubscription({ query: ReportEvents });
  useEffect(() => {
    if (!events.data || timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      refetch({ requestPolicy: "network-only" });
    }, 3000);
  }, [events.data, refetch]);
  useEffect(() => () => void (timer.current !== null && clearTimeout(timer.current)), []);
  const report = data?.outcomeReport.report;
  return (
    <section aria-labelledby="reports-title" className="reports">
      <header className="screen-header">
        <h1 id="reports-title">Reports</h1>
        <form className="inline" onSubmit={(e) => (e.preventDefault(), setTick((t) => t + 1))}>
          <label htmlFor="report-days">Period</label>
          <select id="report-days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={7}>Last 7 days</option>
            <option value={30}>Last 30 days</option>
            <option value={90}>Last 90 days</option>
          </select>
          <label htmlFor="report-group">Group by</label>
          <select id="report-group" value={groupBy} onChange={(e) => setGroupBy(e.target.value as OutcomeReportGroupBy)}>
            <option value="DAY">Day</option>
            <option value="WEEK">Week</option>
          </select>
          <button type="submit" disabled={fetching}>
            Refresh
          </button>
        </form>
      </header>
      <FieldErrors errors={data?.outcomeReport.userErrors} />
      {error && !data ? <ErrorState error={error} what="the report" /> : !report ? (data ? null : <Loading what="the report" />) : <ReportBody report={report} />}
      <WeeklyDigest />
    </section>
  );
}

type Report = NonNullable<NonNullable<import("../../gql/graphql").ConsoleOutcomeReportQuery["outcomeReport"]["report"]>>;

function ReportBody({ report }: { report: Report }) {
  const funnelOption = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "item" },
      series: [
        {
          type: "funnel",
          sort: "none",
          minSize: "30%",
          gap: 2,
          top: 10,
          bottom: 10,
          label: { show: true, position: "inside", formatter: "{b}: {c}", color: "#fff", fontSize: 13 },
          data: report.funnel.map((row) => ({ name: STEP_LABELS[row.step] ?? row.step, value: row.count })),
        },
      ],
      color: ["#1e3a8a", "#1e40af", "#1d4ed8", "#2563eb", "#4338ca", "#5b21b6", "#6d28d9", "#7e22ce", "#86198f"],
    }),
    [report.funnel],
  );
  const agentOption = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 110, right: 20, top: 30, bottom: 30 },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: report.agents.map((a) => a.agent) },
      series: [
        { name: "Succeeded", type: "bar", stack: "runs", data: report.agents.map((a) => a.succeeded), color: "#15803d" },
        { name: "Failed", type: "bar", stack: "runs", data: report.agents.map((a) => a.failed), color: "#b45309" },
        { name: "Dead", type: "bar", stack: "runs", data: report.agents.map((a) => a.dead), color: "#b91c1c" },
      ],
    }),
    [report.agents],
  );
  const periodOption = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 20, top: 30, bottom: 30 },
      xAxis: { type: "category", data: report.periods.map((p) => p.label) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "Drafted", type: "line", data: report.periods.map((p) => p.drafted) },
        { name: "Sent", type: "line", data: report.periods.map((p) => p.sent) },
        { name: "Replied", type: "line", data: report.periods.map((p) => p.replied) },
      ],
    }),
    [report.periods],
  );
  const ai = report.aiDrafts;
  const rec = report.recommendations;
  return (
    <div className="report-grid">
      <section aria-labelledby="funnel-title" className="card">
        <h2 id="funnel-title">Engagement funnel</h2>
        <Chart option={funnelOption} label="Engagement funnel: drafts at each step, figures in the table" testId="funnel-chart" />
        <table data-testid="funnel-table">
          <caption>Drafts created in the period, by the furthest step reached</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Drafts</th>
              <th scope="col">From previous</th>
              <th scope="col">Of drafted</th>
              <th scope="col">Median hours</th>
            </tr>
          </thead>
          <tbody>
            {report.funnel.map((row) => (
              <tr key={row.step} data-step={row.step}>
                <th scope="row">{STEP_LABELS[row.step] ?? row.step}</th>
                <td>{row.count}</td>
                <td>{percent(row.conversion)}</td>
                <td>{percent(row.ofDrafted)}</td>
                <td>{row.medianHoursFromPrevious === null || row.medianHoursFromPrevious === undefined ? "—" : row.medianHoursFromPrevious.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="periods-title" className="card">
        <h2 id="periods-title">Over time</h2>
        {report.periods.length === 0 ? <Empty>No drafts in the period.</Empty> : <Chart option={periodOption} label="Drafted, sent and replied per period" />}
      </section>
      <section aria-labelledby="agents-title" className="card">
        <h2 id="agents-title">Agent performance</h2>
        {report.agents.length === 0 ? (
          <Empty>No agent runs in the period.</Empty>
        ) : (
          <>
            <Chart option={agentOption} label="Agent runs by outcome, figures in the table" testId="agents-chart" />
            <table data-testid="agents-table">
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Runs</th>
                  <th scope="col">Succeeded</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Dead</th>
                  <th scope="col">p50 / p95 ms</th>
                  <th scope="col">AI calls</th>
                  <th scope="col">Cost (USD)</th>
                </tr>
              </thead>
              <tbody>
                {report.agents.map((a) => (
                  <tr key={a.agent}>
                    <th scope="row">{a.agent}</th>
                    <td>{a.runs}</td>
                    <td>{a.succeeded}</td>
                    <td>{a.failed}</td>
                    <td>{a.dead}</td>
                    <td>
                      {a.latencyP50Ms ?? "—"} / {a.latencyP95Ms ?? "—"}
                    </td>
                    <td>{a.invocations}</td>
                    <td>{a.costUsd.toFixed(4)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
      <section aria-labelledby="ai-title" className="card">
        <h2 id="ai-title">AI drafts</h2>
        <dl className="figures" data-testid="ai-drafts">
          <dt>Written</dt>
          <dd>{ai.total}</dd>
          <dt>Approval rate</dt>
          <dd>{percent(ai.approvalRate)}</dd>
          <dt>Rejection rate</dt>
          <dd>{percent(ai.rejectionRate)}</dd>
          <dt>Edit distance (mean)</dt>
          <dd>{ai.meanEditDistance === null || ai.meanEditDistance === undefined ? "—" : ai.meanEditDistance.toFixed(2)}</dd>
          <dt>Median time to review</dt>
          <dd>{ai.medianReviewHours === null || ai.medianReviewHours === undefined ? "—" : `${ai.medianReviewHours.toFixed(1)} h`}</dd>
        </dl>
        {ai.topRejectionReasons.length > 0 && (
          <>
            <h3>Top rejection reasons</h3>
            <ul>
              {ai.topRejectionReasons.map((r) => (
                <li key={r.reason}>
                  {r.reason} ({r.count})
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <section aria-labelledby="rec-title" className="card">
        <h2 id="rec-title">Recommendations</h2>
        <dl className="figures">
          <dt>Made</dt>
          <dd>{rec.total}</dd>
          <dt>Accepted</dt>
          <dd>
            {rec.accepted} ({percent(rec.acceptanceRate)})
          </dd>
          <dt>Dismissed</dt>
          <dd>
            {rec.dismissed} ({percent(rec.dismissalRate)})
          </dd>
          <dt>Open / expired</dt>
          <dd>
            {rec.open} / {rec.expired}
          </dd>
        </dl>
        {rec.topDismissalReasons.length > 0 && (
          <ul>
            {rec.topDismissalReasons.map((r) => (
              <li key={r.reason}>
                {r.reason} ({r.count})
              </li>
            ))}
          </ul>
        )}
        {report.intents.length > 0 && (
          <>
            <h3>Intent of replies</h3>
            <ul>
              {report.intents.map((i) => (
                <li key={i.intent}>
                  {i.intent.toLowerCase().replace("_", " ")}: {i.count} ({percent(i.share)})
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <section aria-labelledby="health-title" className="card">
        <h2 id="health-title">System health (now)</h2>
        <dl className="figures">
          <dt>Dead letters</dt>
          <dd>{report.health.deadLetters}</dd>
          <dt>Events waiting</dt>
          <dd>
            {report.health.outboxPending}
            {report.health.outboxLagSeconds ? ` (oldest ${report.health.outboxLagSeconds} s)` : ""}
          </dd>
          <dt>AI budget</dt>
          <dd>
            ${report.health.ai.externalCostUsd.toFixed(2)}
            {report.health.ai.monthlyCostBudgetUsd ? ` of $${report.health.ai.monthlyCostBudgetUsd}` : " (no budget set)"}
          </dd>
        </dl>
        {report.health.queues.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Waiting</th>
                <th scope="col">Active</th>
                <th scope="col">Failed</th>
                <th scope="col">Oldest (s)</th>
              </tr>
            </thead>
            <tbody>
              {report.health.queues.map((q) => (
                <tr key={q.queue}>
                  <th scope="row">{q.queue}</th>
                  <td>{q.waiting}</td>
                  <td>{q.active}</td>
                  <td>{q.failed}</td>
                  <td>{q.oldestWaitingSeconds ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {report.health.mailboxes.length > 0 && (
          <ul>
            {report.health.mailboxes.map((m) => (
              <li key={m.mailbox}>
                {m.mailbox}: {m.used} of {m.limit} in {m.windowHours} h
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
