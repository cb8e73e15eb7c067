// The review queue: pending drafts oldest first, live through pendingDraftsChanged;
// approve / reject with reason / edit (diff against the AI original) / send;
// bulk approve; keyboard j/k/a/r/e/x. The open draft is claimed for its
// reviewer (claim.ts): colleagues see who is reviewing it and wait.
import { useCallback, useEffect, useMemo, useState } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import type { ReviewDraftFieldsFragment } from "../../gql/graphql";
import { useCan } from "../../permissions";
import { Dialog, Empty, ErrorState, FieldErrors, Loading, formatTime, otherErrors, type UserErrorLike } from "../../ui";
import { VirtualList } from "../../virtual-list";
import { useReviewClaim } from "./claim";
import { findingTerms, highlight, wordDiff } from "./diff";
import {
  ApprovedDraftsQuery,
  ApproveMutation,
  BulkApproveMutation,
  DraftDetailQuery,
  DraftStatusChangedSubscription,
  PendingDraftsChangedSubscription,
  PendingDraftsQuery,
  RejectMutation,
  SendMutation,
  UpdateMutation,
} from "./queries";

type Draft = ReviewDraftFieldsFragment;
const PAGE = 100;
const ROW = 68;

/** A colleague's claim that still holds (the server decides; this only spares a refused request). */
function heldByColleague(d: Draft | undefined): boolean {
  return !!d?.claim && !d.claim.mine && new Date(d.claim.expiresAt as string).getTime() > Date.now();
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable || !!el.closest("dialog"));
}

export function ReviewQueue() {
  const [after, setAfter] = useState<string | null>(null);
  const [{ data, fetching, error }] = useQuery({ query: PendingDraftsQuery, variables: { first: PAGE, after } });
  const [live] = useSubscription({ query: PendingDraftsChangedSubscription }, (_prev: number | undefined, event) => event.pendingDraftsChanged.pendingCount);
  // Who last changed each draft (for "approved by a colleague" notes).
  const [actors] = useSubscription({ query: DraftStatusChangedSubscription }, (prev: Record<string, string> | undefined, event) => ({
    ...prev,
    [event.draftStatusChanged.draftId]: event.draftStatusChanged.actor,
  }));
  const items = useMemo(() => (data?.pendingDrafts.edges ?? []).map((e) => e.node).filter((d) => d.status === "PENDING_REVIEW"), [data]);
  const pageInfo = data?.pendingDrafts.pageInfo;
  // Load every page (100 at a time): the list is virtualised.
  useEffect(() => {
    if (!fetching && pageInfo?.hasNextPage && pageInfo.endCursor && pageInfo.endCursor !== after) setAfter(pageInfo.endCursor);
  }, [fetching, pageInfo, after]);

  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [lastIndex, setLastIndex] = useState(0);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [mode, setMode] = useState<"view" | "edit" | "reject">("view");
  const index = items.findIndex((d) => d.id === selectedId);
  useEffect(() => {
    if (index >= 0) setLastIndex(index);
  }, [index]);
  useEffect(() => {
    if (selectedId === null && items.length > 0) setSelectedId(items[0]!.id);
  }, [items, selectedId]);

  const select = useCallback((i: number) => {
    const target = items[Math.max(0, Math.min(items.length - 1, i))];
    if (target) {
      setSelectedId(target.id);
      setMode("view");
    }
  }, [items]);
  const advance = useCallback(() => {
    // The decided draft leaves the list: the next one takes its place.
    const next = items[index + 1] ?? items[index - 1];
    setSelectedId(next?.id ?? null);
    setMode("view");
  }, [items, index]);

  const approve = useCan("DRAFT_APPROVE");
  const write = useCan("DRAFT_WRITE");
  const [approveState, runApprove] = useMutation(ApproveMutation);
  const [bulkState, runBulk] = useMutation(BulkApproveMutation);
  const [bulkErrors, setBulkErrors] = useState<{ draftId: string; message: string }[]>([]);
  const [actionErrors, setActionErrors] = useState<UserErrorLike[]>([]);

  const doApprove = useCallback(async (id: string) => {
    setActionErrors([]);
    const result = await runApprove({ input: { draftId: id, idempotencyKey: crypto.randomUUID() } });
    const errors = result.data?.draftApprove.userErrors ?? [];
    if (result.error) setActionErrors([{ field: [], message: result.error.graphQLErrors[0]?.message ?? result.error.message, code: String(result.error.graphQLErrors[0]?.extensions?.code ?? "ERROR") }]);
    else if (errors.length) setActionErrors(errors);
    else if (result.data?.draftApprove.draft?.status !== "PENDING_REVIEW") advance();
  }, [runApprove, advance]);

  const doBulk = async () => {
    const ids = [...checked];
    const result = await runBulk({ input: { draftIds: ids, idempotencyKey: crypto.randomUUID() } });
    const failed = (result.data?.draftsApprove.results ?? []).filter((r) => r.userErrors.length).map((r) => ({ draftId: r.draftId, message: r.userErrors.map((e) => e.message).join(" ") }));
    setBulkErrors([...failed, ...(result.data?.draftsApprove.userErrors ?? []).map((e) => ({ draftId: "", message: e.message }))]);
    setChecked(new Set(failed.map((f) => f.draftId)));
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target) || mode !== "view") return;
      const current = index >= 0 ? index : lastIndex;
      const held = heldByColleague(items[index]);
      if (event.key === "j") select(current + (index >= 0 ? 1 : 0));
      else if (event.key === "k") select(current - 1);
      else if (event.key === "a" && selectedId && approve.allowed && !held) void doApprove(selectedId);
      else if (event.key === "r" && selectedId && approve.allowed && !held) setMode("reject");
      else if (event.key === "e" && selectedId && write.allowed && !held) setMode("edit");
      else if (event.key === "x" && selectedId) setChecked((s) => toggle(s, selectedId));
      else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [index, lastIndex, items, select, selectedId, approve.allowed, write.allowed, doApprove, mode]);

  const pendingCount = live.data ?? items.length;
  return (
    <section aria-labelledby="queue-title" className="queue">
      <header className="screen-header">
        <h1 id="queue-title">Review queue</h1>
        <p className="count" aria-live="polite" data-testid="pending-count">
          {pendingCount} waiting for review
        </p>
        <p className="hint">
          Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>a</kbd> approve, <kbd>r</kbd> reject, <kbd>e</kbd> edit, <kbd>x</kbd> select
        </p>
        {approve.allowed ? (
          <button type="button" disabled={checked.size === 0 || bulkState.fetching} onClick={() => void doBulk()}>
            Approve selected ({checked.size})
          </button>
        ) : (
          <p className="permission-note" data-testid="approve-denied">
            {approve.reason} You can read drafts but not approve them.
          </p>
        )}
      </header>
      {bulkErrors.length > 0 && (
        <ul className="field-errors" role="alert">
          {bulkErrors.map((e, i) => (
            <li key={i}>
              {items.find((d) => d.id === e.draftId)?.recipientEmail ?? e.draftId}: {e.message}
            </li>
          ))}
        </ul>
      )}
      {error && !data ? (
        <ErrorState error={error} what="the review queue" />
      ) : !data ? (
        <Loading what="the review queue" />
      ) : (
        <div className="split">
          <div className="list-pane">
            {items.length === 0 ? (
              <Empty>Nothing waiting for review. New drafts appear here as they are written.</Empty>
            ) : (
              <VirtualList
                items={items}
                rowHeight={ROW}
                height="calc(100vh - 230px)"
                activeIndex={index}
                label="Pending drafts"
                getKey={(d) => d.id}
                render={(d) => (
                  <div className={`row${d.id === selectedId ? " selected" : ""}`} data-draft-id={d.id}>
                    {approve.allowed && (
                      <input
                        type="checkbox"
                        aria-label={`Select the draft to ${d.recipientEmail}`}
                        checked={checked.has(d.id)}
                        onChange={() => setChecked((s) => toggle(s, d.id))}
                      />
                    )}
                    <button type="button" className="row-main" aria-current={d.id === selectedId} onClick={() => (setSelectedId(d.id), setMode("view"))}>
                      <span className="recipient">{d.recipientEmail}</span>
                      <span className="subject">{d.subject}</span>
                      <span className="meta">
                        <Verdict verdict={d.qualityReport.verdict} /> {d.origin.toLowerCase()} · rev {d.revision} · {formatTime(d.createdAt)}
                        {heldByColleague(d) && <span className="claimed"> · being reviewed by {d.claim!.holder}</span>}
                      </span>
                    </button>
                  </div>
                )}
              />
            )}
          </div>
          <div className="detail-pane">
            {selectedId ? (
              <DraftDetail
                key={selectedId}
                id={selectedId}
                mode={mode}
                setMode={setMode}
                actor={actors.data?.[selectedId]}
                approving={approveState.fetching}
                actionErrors={actionErrors}
                onApprove={() => void doApprove(selectedId)}
                onDecided={advance}
              />
            ) : (
              <Empty>Select a draft.</Empty>
            )}
          </div>
        </div>
      )}
      <ApprovedDrafts />
    </section>
  );
}

function toggle(set: Set<string>, id: string): Set<string> {
  const next = new Set(set);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

function Verdict({ verdict }: { verdict: string }) {
  return <span className={`verdict verdict-${verdict.toLowerCase()}`}>{verdict === "PASS" ? "passes checks" : verdict === "WARN" ? "warnings" : "blocked"}</span>;
}

function DraftDetail(props: {
  id: string;
  mode: "view" | "edit" | "reject";
  setMode: (m: "view" | "edit" | "reject") => void;
  actor: string | undefined;
  approving: boolean;
  actionErrors: UserErrorLike[];
  onApprove: () => void;
  onDecided: () => void;
}) {
  const { id, mode, setMode } = props;
  const [{ data, error }] = useQuery({ query: DraftDetailQuery, variables: { id, leadId: "", hasLead: false } });
  const leadId = data?.draft?.leadId ?? null;
  const [{ data: leadData }] = useQuery({ query: DraftDetailQuery, variables: { id, leadId: leadId ?? "", hasLead: true }, pause: !leadId });
  const approve = useCan("DRAFT_APPROVE");
  const write = useCan("DRAFT_WRITE");
  const claim = useReviewClaim(data?.draft ?? null, approve.allowed);
  const takeOver = useCan("DRAFT_CLAIM_BREAK");
  if (error && !data) return <ErrorState error={error} what="the draft" />;
  if (!data) return <Loading what="the draft" />;
  const draft = data.draft;
  if (!draft) return <Empty>This draft no longer exists or you may not see it.</Empty>;
  const lead = leadData?.lead && "score" in leadData.lead ? leadData.lead : null;
  const original = draft.revisions.find((r) => r.number === 1);
  const terms = draft.qualityReport.findings.flatMap((f) => findingTerms(f.message));
  const decided = draft.status !== "PENDING_REVIEW";
  return (
    <article aria-labelledby="draft-subject" className="draft" data-testid="draft-detail" data-status={draft.status}>
      {decided && (
        <p className="banner" role="status" data-testid="taken-banner">
          This draft is now <strong>{draft.status.replace("_", " ").toLowerCase()}</strong>
          {props.actor ? ` (by ${props.actor})` : ""}.
        </p>
      )}
      {!decided && claim.heldBy && (
        <p className="banner" role="status" data-testid="claim-banner" id="claim-banner">
          Being reviewed by <strong>{claim.heldBy}</strong>. You can read it; approving, rejecting and editing wait until they release it or their claim
          lapses ({formatTime(draft.claim?.expiresAt as string)}).
          {takeOver.allowed && (
            <>
              {" "}
              <button type="button" onClick={claim.takeOver} data-testid="take-over">
                Take over
              </button>
            </>
          )}
        </p>
      )}
      {!decided && claim.mine && (
        <p className="claim-note" data-testid="claim-mine">
          You are reviewing this draft: colleagues see it as taken while it is open.{" "}
          <button type="button" onClick={claim.release}>
            Release it
          </button>
        </p>
      )}
      {!decided && claim.released && !claim.mine && !claim.heldBy && (
        <p className="claim-note" data-testid="claim-released">
          Released: a colleague may take it.{" "}
          <button type="button" onClick={claim.claimAgain}>
            Review it again
          </button>
        </p>
      )}
      <FieldErrors errors={claim.errors} />
      <h2 id="draft-subject">
        <Marked text={draft.subject} terms={terms} />
      </h2>
      <dl className="facts">
        <dt>To</dt>
        <dd>{draft.recipientEmail}</dd>
        <dt>From</dt>
        <dd>{draft.mailbox}</dd>
        <dt>Written by</dt>
        <dd>
          {draft.author.label} ({draft.origin.toLowerCase()}), revision {draft.revision}
        </dd>
        <dt>Lead score</dt>
        <dd data-testid="lead-score">
          {lead ? (
            <>
              {lead.score ?? "—"} {lead.grade ? `(grade ${lead.grade})` : ""}
              {lead.latestScore ? `, confidence ${Math.round(lead.latestScore.confidence * 100)} %` : ""}
            </>
          ) : draft.leadId ? (
            "…"
          ) : (
            "no lead"
          )}
        </dd>
        <dt>Approvals</dt>
        <dd>
          {draft.approvals.length} of {draft.approvalsRequired}
          {draft.approvals.length > 0 && `: ${draft.approvals.map((a) => a.approver.label).join(", ")}`}
        </dd>
      </dl>
      {lead?.latestScore && (lead.latestScore.positiveFactors.length > 0 || lead.latestScore.negativeFactors.length > 0) && (
        <details className="why">
          <summary>Why this score</summary>
          <ul>
            {[...lead.latestScore.positiveFactors, ...lead.latestScore.negativeFactors].slice(0, 6).map((f, i) => (
              <li key={i}>
                {f.contribution > 0 ? "+" : ""}
                {Math.round(f.contribution * 10) / 10} {f.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {draft.qualityReport.findings.length > 0 && (
        <ul className="findings" aria-label="Quality findings">
          {draft.qualityReport.findings.map((f, i) => (
            <li key={i} className={`finding finding-${f.severity.toLowerCase()}`}>
              <strong>{f.severity === "BLOCK" ? "Blocks sending" : "Warning"}</strong> ({f.location}): {f.message}
            </li>
          ))}
        </ul>
      )}
      {mode === "edit" ? (
        <EditForm draft={draft} original={original?.bodyText ?? draft.bodyText} onDone={() => setMode("view")} />
      ) : (
        <pre className="body" data-testid="draft-body">
          <Marked text={draft.bodyText} terms={terms} />
        </pre>
      )}
      {original && draft.revision > 1 && mode !== "edit" && (
        <section aria-labelledby="diff-title" className="diff" data-testid="draft-diff">
          <h3 id="diff-title">Changes against the original (revision 1 by {original.author.label})</h3>
          <Diff before={`${original.subject}\n\n${original.bodyText}`} after={`${draft.subject}\n\n${draft.bodyText}`} />
        </section>
      )}
      <FieldErrors errors={props.actionErrors} />
      {mode === "reject" && <RejectDialog draftId={draft.id} onClose={() => setMode("view")} onRejected={props.onDecided} />}
      {mode === "view" && !decided && (
        <div className="actions">
          {approve.allowed ? (
            <>
              <button type="button" className="primary" onClick={props.onApprove} disabled={props.approving || !!claim.heldBy} aria-describedby={claim.heldBy ? "claim-banner" : undefined}>
                Approve
              </button>
              <button type="button" onClick={() => setMode("reject")} disabled={!!claim.heldBy} aria-describedby={claim.heldBy ? "claim-banner" : undefined}>
                Reject…
              </button>
            </>
          ) : null}
          {write.allowed ? (
            <button type="button" onClick={() => setMode("edit")} disabled={!!claim.heldBy} aria-describedby={claim.heldBy ? "claim-banner" : undefined}>
              Edit
            </button>
          ) : (
            <span className="permission-note">{write.reason}</span>
          )}
        </div>
      )}
      {draft.memoriesUsed.length > 0 && (
        <section aria-labelledby="memories-title" className="memories" data-testid="memories-used">
          <h3 id="memories-title">What the writer drew on ({draft.memoriesUsed.length} from long memory)</h3>
          <ol>
            {draft.memoriesUsed.map((u) => (
              <li key={u.memory.id}>
                <strong>{u.memory.title}</strong>{" "}
                <span className="meta">
                  {u.memory.sourceType.toLowerCase().replace("_", " ")} · {formatTime(u.memory.occurredAt)} · relevance {Math.round(u.score * 100) / 100}
                </span>
                <p>{u.memory.excerpt.slice(0, 600)}</p>
              </li>
            ))}
          </ol>
        </section>
      )}
      {draft.citedAssets.length > 0 && (
        <section aria-labelledby="assets-title" className="assets" data-testid="cited-assets">
          <h3 id="assets-title">Assets linked in the draft</h3>
          <ul>
            {draft.citedAssets.map((a) => (
              <li key={a.fileId}>
                <a href={a.url} target="_blank" rel="noopener noreferrer">
                  {a.name}
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {(draft.inboundMessage || draft.thread) && (
        <section aria-labelledby="thread-title" className="thread">
          <h3 id="thread-title">Thread{draft.thread ? `: ${draft.thread.subject}` : ""}</h3>
          {draft.thread?.facts && (
            <p>
              <strong>Summary:</strong> {draft.thread.facts.summary}
              {draft.thread.facts.nextStep ? ` Next step: ${draft.thread.facts.nextStep}` : ""}
            </p>
          )}
          {(draft.thread?.messages ?? (draft.inboundMessage ? [draft.inboundMessage] : [])).map((m) => (
            <blockquote key={m.id}>
              <p className="meta">
                {m.fromName ?? m.from} · {formatTime(m.receivedAt)} {m.intent ? `· ${m.intent.toLowerCase().replace("_", " ")}` : ""}
              </p>
              <p>{m.text.slice(0, 1200)}</p>
            </blockquote>
          ))}
        </section>
      )}
    </article>
  );
}

function Marked({ text, terms }: { text: string; terms: string[] }) {
  return (
    <>
      {highlight(text, terms).map((part, i) => (part.mark ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
    </>
  );
}

function Diff({ before, after }: { before: string; after: string }) {
  const parts = useMemo(() => wordDiff(before, after), [before, after]);
  return (
    <pre className="diff-text">
      {parts.map((p, i) =>
        p.kind === "added" ? (
          <ins key={i}>{p.text}</ins>
        ) : p.kind === "removed" ? (
          <del key={i}>{p.text}</del>
        ) : (
          <span key={i}>{p.text}</span>
        ),
      )}
    </pre>
  );
}

function EditForm({ draft, original, onDone }: { draft: Draft; original: string; onDone: () => void }) {
  const [subject, setSubject] = useState(draft.subject);
  const [body, setBody] = useState(draft.bodyText);
  const [state, run] = useMutation(UpdateMutation);
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const save = async () => {
    const result = await run({ input: { draftId: draft.id, subject, bodyText: body, expectedRevision: draft.revision, idempotencyKey: crypto.randomUUID() } });
    const userErrors = result.data?.draftUpdate.userErrors ?? [];
    if (result.error) setErrors([{ field: [], message: result.error.message, code: "ERROR" }]);
    else if (userErrors.length) setErrors(userErrors);
    else onDone();
  };
  return (
    <form
      className="edit"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label htmlFor="edit-subject">Subject</label>
      <input id="edit-subject" value={subject} onChange={(e) => setSubject(e.target.value)} aria-describedby="edit-subject-errors" />
      <FieldErrors errors={errors} field="subject" id="edit-subject-errors" />
      <label htmlFor="edit-body">Text</label>
      <textarea id="edit-body" rows={12} value={body} onChange={(e) => setBody(e.target.value)} aria-describedby="edit-body-errors" autoFocus />
      <FieldErrors errors={errors} field="bodyText" id="edit-body-errors" />
      <FieldErrors errors={otherErrors(errors, ["subject", "bodyText"])} />
      <h3>Against the AI original</h3>
      <Diff before={original} after={body} />
      <div className="actions">
        <button type="submit" className="primary" disabled={state.fetching}>
          Save as new revision
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <p className="hint">A new revision goes back to review: earlier approvals do not carry over.</p>
    </form>
  );
}

function RejectDialog({ draftId, onClose, onRejected }: { draftId: string; onClose: () => void; onRejected: () => void }) {
  const [reason, setReason] = useState("");
  const [state, run] = useMutation(RejectMutation);
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  return (
    <Dialog title="Reject the draft" onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const result = await run({ input: { draftId, reason, idempotencyKey: crypto.randomUUID() } });
          const userErrors = result.data?.draftReject.userErrors ?? [];
          if (result.error) setErrors([{ field: [], message: result.error.message, code: "ERROR" }]);
          else if (userErrors.length) setErrors(userErrors);
          else {
            onClose();
            onRejected();
          }
        }}
      >
        <label htmlFor="reject-reason">Reason (kept with the draft, and reported per agent)</label>
        <textarea id="reject-reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} required autoFocus aria-describedby="reject-reason-errors" />
        <FieldErrors errors={errors} field="reason" id="reject-reason-errors" />
        <FieldErrors errors={otherErrors(errors, ["reason"])} />
        <div className="actions">
          <button type="submit" className="danger" disabled={state.fetching}>
            Reject
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ApprovedDrafts() {
  const [{ data }] = useQuery({ query: ApprovedDraftsQuery });
  const send = useCan("DRAFT_SEND");
  const [, run] = useMutation(SendMutation);
  const [errors, setErrors] = useState<Record<string, UserErrorLike[]>>({});
  const drafts = (data?.drafts.edges ?? []).map((e) => e.node).filter((d) => d.status === "APPROVED");
  if (drafts.length === 0) return null;
  const status = data?.sendingStatus;
  const blocked = !status?.canSend
    ? status?.tenantKillSwitch || status?.globalKillSwitch
      ? "The kill switch is engaged: nothing can be sent."
      : "Sending mode is DRAFT_ONLY: drafts can be approved but not sent."
    : null;
  return (
    <section aria-labelledby="approved-title" className="approved">
      <h2 id="approved-title">Approved, not sent</h2>
      {blocked && <p className="permission-note">{blocked}</p>}
      {!send.allowed && <p className="permission-note">{send.reason}</p>}
      <ul>
        {drafts.map((d) => (
          <li key={d.id}>
            {d.recipientEmail}: {d.subject}{" "}
            {send.allowed && (
              <button
                type="button"
                disabled={!!blocked}
                title={blocked ?? undefined}
                onClick={async () => {
                  const result = await run({ input: { draftId: d.id, idempotencyKey: crypto.randomUUID() } });
                  setErrors((e) => ({ ...e, [d.id]: result.data?.draftSend.userErrors ?? [] }));
                }}
              >
                Send
              </button>
            )}
            <FieldErrors errors={errors[d.id]} />
          </li>
        ))}
      </ul>
    </section>
  );
}
