// Pipeline board: open deals in columns by stage, with the forecast on top.
// Moving a card (drag and drop, or the card's "Move to" control for keyboard
// users) runs dealProgress; a move the pipeline refuses stays where it was and
// says why on the card. Live: every sales.deal.* event refreshes the board and
// the forecast, so a colleague's move appears without a reload.
import { useMemo, useState, type DragEvent } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { graphql } from "../../gql";
import { useCan } from "../../permissions";
import { Empty, ErrorState, Loading, percent, type UserErrorLike } from "../../ui";

const BoardQuery = graphql(`
  query ConsolePipelineBoard {
    pipelineStages { key name kind order probability }
    deals(first: 200, filter: { status: [OPEN] }, orderBy: { field: AMOUNT, direction: DESC }) {
      edges {
        node { id name amount currency stage probability weightedAmount expectedCloseDate company { id name } }
      }
    }
  }
`);

const ForecastQuery = graphql(`
  query ConsolePipelineForecast {
    pipelineSummary { currency openCount openAmount weightedPipeline wonAmount wonCount lostCount winRate forecast averageCycleDays }
  }
`);

const DealEvents = graphql(`
  subscription ConsolePipelineEvents {
    events(types: ["sales.deal.*"]) { id type }
  }
`);

const Progress = graphql(`
  mutation ConsolePipelineProgress($input: DealProgressInput!) {
    dealProgress(input: $input) {
      deal { id stage probability weightedAmount stageChangedAt }
      userErrors { field message code }
    }
  }
`);

type Deal = NonNullable<NonNullable<ReturnType<typeof useBoard>["deals"]>[number]>;

function useBoard() {
  const [{ data, fetching, error }, refetch] = useQuery({ query: BoardQuery, requestPolicy: "cache-and-network" });
  return { data, fetching, error, refetch, deals: data?.deals.edges.map((e) => e.node) };
}

const money = (amount: number, currency: string) => new Intl.NumberFormat(undefined, { style: "currency", currency, maximumFractionDigits: 0 }).format(amount);

export default function Pipeline() {
  const board = useBoard();
  const [forecast, refetchForecast] = useQuery({ query: ForecastQuery, requestPolicy: "cache-and-network" });
  // A deal moved by anyone (or by an agent): refresh the board and the forecast from the server.
  useSubscription({ query: DealEvents }, (_prev, event) => {
    board.refetch({ requestPolicy: "network-only" });
    refetchForecast({ requestPolicy: "network-only" });
    return event;
  });
  const can = useCan("DEAL_WRITE");
  const [, progress] = useMutation(Progress);
  const [problems, setProblems] = useState<Record<string, UserErrorLike[]>>({});
  const [moving, setMoving] = useState<string | null>(null);
  const [dragOver, setDragOver] = useState<string | null>(null);

  const openStages = useMemo(() => (board.data?.pipelineStages ?? []).filter((s) => s.kind === "OPEN").sort((a, b) => a.order - b.order), [board.data]);
  const byStage = useMemo(() => {
    const map = new Map<string, Deal[]>();
    for (const d of board.deals ?? []) map.set(d.stage, [...(map.get(d.stage) ?? []), d]);
    return map;
  }, [board.deals]);

  if (board.error && !board.data) return <ErrorState error={board.error} what="the pipeline" />;
  if (!board.data) return <Loading what="the pipeline" />;

  const move = async (deal: Deal, stage: string) => {
    if (stage === deal.stage) return;
    setMoving(deal.id);
    const result = await progress({ input: { dealId: deal.id, stage } });
    setMoving(null);
    const errors: UserErrorLike[] = result.error ? [{ field: [], message: "The service could not move the deal. Try again.", code: "ERROR" }] : (result.data?.dealProgress.userErrors ?? []);
    setProblems((p) => ({ ...p, [deal.id]: errors }));
    if (!errors.length) {
      board.refetch({ requestPolicy: "network-only" });
      refetchForecast({ requestPolicy: "network-only" });
    }
  };

  const onDrop = (event: DragEvent, stage: string) => {
    event.preventDefault();
    setDragOver(null);
    const deal = board.deals?.find((d) => d.id === event.dataTransfer.getData("text/deal-id"));
    if (deal) void move(deal, stage);
  };

  const summary = forecast.data?.pipelineSummary;
  return (
    <section aria-labelledby="pipeline-heading" className="pipeline">
      <h1 id="pipeline-heading">Pipeline</h1>
      {summary && (
        <dl className="forecast" data-testid="forecast">
          <div>
            <dt>Forecast</dt>
            <dd>{money(summary.forecast, summary.currency)}</dd>
          </div>
          <div>
            <dt>Weighted pipeline</dt>
            <dd>{money(summary.weightedPipeline, summary.currency)}</dd>
          </div>
          <div>
            <dt>Open</dt>
            <dd>
              {summary.openCount} · {money(summary.openAmount, summary.currency)}
            </dd>
          </div>
          <div>
            <dt>Won</dt>
            <dd>
              {summary.wonCount} · {money(summary.wonAmount, summary.currency)}
            </dd>
          </div>
          <div>
            <dt>Win rate</dt>
            <dd>{percent(summary.winRate)}</dd>
          </div>
          <div>
            <dt>Average cycle</dt>
            <dd>{summary.averageCycleDays == null ? "—" : `${summary.averageCycleDays.toFixed(1)} days`}</dd>
          </div>
        </dl>
      )}
      {!can.allowed && <p className="hint">{can.reason} You can look, not move deals.</p>}
      {openStages.length === 0 ? (
        <Empty>The pipeline has no open stages. Define them in Settings.</Empty>
      ) : (
        <div className="board" role="list" aria-label="Stages">
          {openStages.map((stage) => {
            const deals = byStage.get(stage.key) ?? [];
            const total = deals.reduce((sum, d) => sum + d.amount, 0);
            return (
              <section
                key={stage.key}
                role="listitem"
                aria-labelledby={`stage-${stage.key}`}
                className={`column${dragOver === stage.key ? " drop-target" : ""}`}
                data-stage={stage.key}
                onDragOver={(e) => {
                  if (!can.allowed) return;
                  e.preventDefault();
                  setDragOver(stage.key);
                }}
                onDragLeave={() => setDragOver((s) => (s === stage.key ? null : s))}
                onDrop={(e) => onDrop(e, stage.key)}
              >
                <h2 id={`stage-${stage.key}`}>
                  {stage.name} <span className="hint">({deals.length} · {stage.probability}%)</span>
                </h2>
                <p className="hint">{deals.length ? money(total, deals[0]!.currency) : "No deals"}</p>
                <ul>
                  {deals.map((deal) => (
                    <li
                      key={deal.id}
                      className="deal-card"
                      data-deal-id={deal.id}
                      draggable={can.allowed}
                      onDragStart={(e) => e.dataTransfer.setData("text/deal-id", deal.id)}
                      aria-busy={moving === deal.id}
                    >
                      <strong>{deal.name}</strong>
                      <span>{deal.company?.name ?? "No company"}</span>
                      <span>
                        {money(deal.amount, deal.currency)} · {deal.probability}%{deal.expectedCloseDate ? ` · closes ${deal.expectedCloseDate}` : ""}
                      </span>
                      {can.allowed && (
                        <label>
                          Move to{" "}
                          <select value={deal.stage} onChange={(e) => void move(deal, e.target.value)} disabled={moving === deal.id} aria-label={`Move ${deal.name} to`}>
                            {openStages.map((s) => (
                              <option key={s.key} value={s.key}>
                                {s.name}
                              </option>
                            ))}
                          </select>
                        </label>
                      )}
                      {(problems[deal.id] ?? []).map((p, i) => (
                        <p key={i} className="field-errors" role="alert" data-testid="move-refused">
                          {p.message}
                        </p>
                      ))}
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      )}
    </section>
  );
}
