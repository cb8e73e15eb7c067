// Recommendations inbox: open next-best actions, best first; accept (performed
// as you, with your rights) or dismiss with a reason. Live: new sets arrive on
// recommendationGenerated; colleagues' decisions on the events stream.
import { useEffect, useState } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { graphql } from "../../gql";
import { useCan } from "../../permissions";
import { Link } from "../../router";
import { Dialog, Empty, ErrorState, FieldErrors, Loading, formatTime, otherErrors, type UserErrorLike } from "../../ui";

const RecommendationsQuery = graphql(`
  query ConsoleRecommendations {
    recommendations(first: 100, filter: { status: [OPEN] }) {
      edges {
        node {
          id
          title
          rationale
          tool
          confidence
          rank
          status
          createdAt
          expiresAt
          factsUsed
          decidedBy
          feedback
          lead { id contact { id email firstName lastName } }
          deal { id name }
        }
      }
    }
  }
`);

const Generated = graphql(`
  subscription ConsoleRecommendationGenerated {
    recommendationGenerated { eventId recommendations { id } }
  }
`);

const Decided = graphql(`
  subscription ConsoleRecommendationDecided {
    events(types: ["sales.recommendation.*"]) { id type }
  }
`);

const Accept = graphql(`
  mutation ConsoleRecommendationAccept($input: RecommendationAcceptInput!) {
    recommendationAccept(input: $input) {
      recommendation { id status decidedBy }
      draft { id }
      userErrors { field message code }
    }
  }
`);

const Dismiss = graphql(`
  mutation ConsoleRecommendationDismiss($input: RecommendationDismissInput!) {
    recommendationDismiss(input: $input) {
      recommendation { id status feedback decidedBy }
      userErrors { field message code }
    }
  }
`);

const TOOL_LABEL: Record<string, string> = {
  sendOutreachEmail: "Write an e-mail",
  scheduleFollowUp: "Schedule a follow-up",
  updateDealStage: "Move the deal",
  logSalesActivity: "Log an activity",
};

export default function Recommendations() {
  const [{ data, error }, refetch] = useQuery({ query: RecommendationsQuery });
  const [generated] = useSubscription({ query: Generated });
  const [decided] = useSubscription({ query: Decided });
  useEffect(() => {
    if (generated.data || decided.data) refetch({ requestPolicy: "network-only" });
  }, [generated.data, decided.data, refetch]);
  const act = useCan("RECOMMENDATION_ACT");
  const [, accept] = useMutation(Accept);
  const [errors, setErrors] = useState<Record<string, UserErrorLike[]>>({});
  const [dismissing, setDismissing] = useState<string | null>(null);
  const items = (data?.recommendations.edges ?? []).map((e) => e.node).filter((r) => r.status === "OPEN");
  return (
    <section aria-labelledby="rec-inbox-title">
      <header className="screen-header">
        <h1 id="rec-inbox-title">Recommendations</h1>
        {!act.allowed && <p className="permission-note">{act.reason} You can read recommendations but not act on them.</p>}
      </header>
      {error && !data ? (
        <ErrorState error={error} what="recommendations" />
      ) : !data ? (
        <Loading what="recommendations" />
      ) : items.length === 0 ? (
        <Empty>No open recommendations. The recommender adds new ones as leads and deals change.</Empty>
      ) : (
        <ul className="cards">
          {items.map((r) => {
            const contact = r.lead?.contact;
            return (
              <li key={r.id} className="card">
                <h2>
                  {r.rank}. {r.title}
                </h2>
                <p className="meta">
                  {TOOL_LABEL[r.tool] ?? r.tool} · confidence {Math.round(r.confidence * 100)} % · expires {formatTime(r.expiresAt)}
                  {r.lead && (
                    <>
                      {" · "}
                      <Link to={`/leads/${encodeURIComponent(r.lead.id)}`}>
                        {contact ? [contact.firstName, contact.lastName].filter(Boolean).join(" ") || contact.email : "lead"}
                      </Link>
                    </>
                  )}
                  {r.deal && ` · deal ${r.deal.name}`}
                </p>
                <p>{r.rationale}</p>
                {r.factsUsed.length > 0 && (
                  <details>
                    <summary>Facts used</summary>
                    <ul>
                      {r.factsUsed.map((f, i) => (
                        <li key={i}>{f}</li>
                      ))}
                    </ul>
                  </details>
                )}
                <FieldErrors errors={errors[r.id]} />
                {act.allowed && (
                  <div className="actions">
                    <button
                      type="button"
                      className="primary"
                      onClick={async () => {
                        const result = await accept({ input: { recommendationId: r.id, idempotencyKey: crypto.randomUUID() } });
                        setErrors((e) => ({ ...e, [r.id]: result.data?.recommendationAccept.userErrors ?? [] }));
                      }}
                    >
                      Accept
                    </button>
                    <button type="button" onClick={() => setDismissing(r.id)}>
                      Dismiss…
                    </button>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {dismissing && <DismissDialog id={dismissing} onClose={() => setDismissing(null)} />}
    </section>
  );
}

function DismissDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const [state, dismiss] = useMutation(Dismiss);
  return (
    <Dialog title="Dismiss the recommendation" onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const result = await dismiss({ input: { recommendationId: id, reason, idempotencyKey: crypto.randomUUID() } });
          const userErrors = result.data?.recommendationDismiss.userErrors ?? [];
          if (userErrors.length) setErrors(userErrors);
          else if (!result.error) onClose();
        }}
      >
        <label htmlFor="dismiss-reason">Why not? (the recommender learns from it)</label>
        <textarea id="dismiss-reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} required autoFocus />
        <FieldErrors errors={errors} field="reason" />
        <FieldErrors errors={otherErrors(errors, ["reason"])} />
        <div className="actions">
          <button type="submit" disabled={state.fetching}>
            Dismiss
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
