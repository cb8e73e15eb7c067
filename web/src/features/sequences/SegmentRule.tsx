// A sequence's enrolment rule (issue 12): the saved segment whose new matches
// the sequence-segment job enrols hourly and on demand. Shows the rule and
// when it last ran; a MANAGER sets or removes it (sequenceSetSegment), and
// whoever may enrol runs it now (sequenceSegmentRun). Refusals are audited by
// the job (once per contact and reason); enrolments appear in the list below.
import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { graphql } from "../../gql";
import type { Seniority } from "../../gql/graphql";
import { useCan } from "../../permissions";
import { FieldErrors, formatTime, type UserErrorLike } from "../../ui";

const RuleQuery = graphql(`
  query ConsoleSequenceSegment($id: ID!) {
    sequence(id: $id) { id status segment segmentRunAt }
  }
`);

// The job's run (sales.sequence.segment_run) and a colleague's change (segment_set) refresh the panel.
const RuleEvents = graphql(`
  subscription ConsoleSequenceSegmentEvents {
    events(types: ["sales.sequence.*"]) { id type }
  }
`);

const ListsQuery = graphql(`
  query ConsoleContactLists {
    contactLists(first: 100) { edges { node { id name memberCount } } }
  }
`);

const SetSegment = graphql(`
  mutation ConsoleSequenceSetSegment($input: SequenceSetSegmentInput!) {
    sequenceSetSegment(input: $input) { sequence { id segment segmentRunAt } userErrors { code field message } }
  }
`);

const RunSegment = graphql(`
  mutation ConsoleSequenceSegmentRun($input: SequenceSegmentRunInput!) {
    sequenceSegmentRun(input: $input) { sequence { id } userErrors { code field message } }
  }
`);

const SENIORITIES: Seniority[] = ["C_LEVEL", "VP", "DIRECTOR", "MANAGER", "SENIOR", "ENTRY", "UNKNOWN"];

interface Rule {
  titleKeywords?: string[];
  industries?: string[];
  seniorities?: Seniority[];
  scoreMin?: number | null;
  lists?: string[];
  [other: string]: unknown;
}

const words = (text: string) =>
  text
    .split(",")
    .map((w) => w.trim())
    .filter(Boolean);

/** The stored rule in words: each criterion that is set. */
function describeRule(rule: Rule, listName: (id: string) => string): string[] {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(rule)) {
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    if (key === "lists") parts.push(`lists: ${(value as string[]).map(listName).join(", ")}`);
    else if (key === "attributes") parts.push(`attributes: ${(value as Array<{ key: string; value: string }>).map((a) => `${a.key} = ${a.value}`).join(", ")}`);
    else parts.push(`${key}: ${Array.isArray(value) ? value.join(", ") : String(value)}`);
  }
  return parts;
}

export default function SegmentRule({ sequenceId }: { sequenceId: string }) {
  const manage = useCan("SEQUENCE_MANAGE");
  const enrol = useCan("SEQUENCE_ENROLL");
  const [{ data }, refetch] = useQuery({ query: RuleQuery, variables: { id: sequenceId } });
  const [events] = useSubscription({ query: RuleEvents });
  useEffect(() => {
    if (events.data?.events.type.startsWith("sales.sequence.segment_")) refetch({ requestPolicy: "network-only" });
  }, [events.data, refetch]);
  const [{ data: listData }] = useQuery({ query: ListsQuery });
  const [setState, setSegment] = useMutation(SetSegment);
  const [runState, runSegment] = useMutation(RunSegment);
  const [editing, setEditing] = useState(false);
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [titles, setTitles] = useState("");
  const [industries, setIndustries] = useState("");
  const [seniorities, setSeniorities] = useState<Seniority[]>([]);
  const [scoreMin, setScoreMin] = useState("");
  const [lists, setLists] = useState<string[]>([]);

  const sequence = data?.sequence;
  if (!sequence) return null;
  const rule = (sequence.segment ?? null) as Rule | null;
  const allLists = (listData?.contactLists.edges ?? []).map((e) => e.node);
  // The rule stores list uuids; the console knows lists by global id, whose payload ends with the uuid.
  const uuidOf = (globalId: string) => atob(globalId).split(":").slice(1).join(":");
  const listName = (uuid: string) => allLists.find((l) => uuidOf(l.id) === uuid)?.name ?? uuid;
  const active = sequence.status === "ACTIVE";

  const startEditing = () => {
    setTitles((rule?.titleKeywords ?? []).join(", "));
    setIndustries((rule?.industries ?? []).join(", "));
    setSeniorities(rule?.seniorities ?? []);
    setScoreMin(rule?.scoreMin != null ? String(rule.scoreMin) : "");
    setLists((rule?.lists ?? []).map((uuid) => allLists.find((l) => uuidOf(l.id) === uuid)?.id).filter((id): id is string => !!id));
    setErrors([]);
    setNotice(null);
    setEditing(true);
  };

  const save = async (segment: Record<string, unknown> | null) => {
    const r = await setSegment({ input: { sequenceId, segment, idempotencyKey: crypto.randomUUID() } });
    const userErrors = r.data?.sequenceSetSegment.userErrors ?? [];
    setErrors(userErrors);
    if (!userErrors.length && !r.error) {
      setEditing(false);
      setNotice(segment ? "Rule saved: its matches are being enrolled now, then every hour." : "Rule removed: nobody new is enrolled by rule.");
      refetch({ requestPolicy: "network-only" });
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await save({
      titleKeywords: words(titles),
      industries: words(industries),
      seniorities,
      scoreMin: scoreMin.trim() === "" ? null : Number(scoreMin),
      lists,
    });
  };

  return (
    <section aria-labelledby="segment-rule-title" data-testid="segment-rule">
      <h2 id="segment-rule-title">Enrolment rule</h2>
      {rule ? (
        <>
          <p>New contacts matching this rule are enrolled every hour:</p>
          <ul className="compact" data-testid="segment-rule-criteria">
            {describeRule(rule, listName).map((part) => (
              <li key={part}>{part}</li>
            ))}
          </ul>
        </>
      ) : (
        <p data-testid="segment-rule-criteria">No rule: contacts are enrolled by hand or by a trigger.</p>
      )}
      <p className="meta" data-testid="segment-rule-ran">
        {sequence.segmentRunAt ? `Last run ${formatTime(sequence.segmentRunAt)}.` : "Not run yet."}
      </p>
      {notice && (
        <p className="banner" role="status" data-testid="segment-rule-notice">
          {notice}
        </p>
      )}
      {!editing && <FieldErrors errors={errors} />}
      {active && (
        <div className="actions">
          {manage.allowed && !editing && (
            <button type="button" onClick={startEditing}>
              {rule ? "Edit the rule" : "Set a rule"}
            </button>
          )}
          {manage.allowed && rule && !editing && (
            <button type="button" className="danger" disabled={setState.fetching} onClick={() => save(null)}>
              Remove the rule
            </button>
          )}
          {enrol.allowed && rule && (
            <button
              type="button"
              disabled={runState.fetching}
              onClick={async () => {
                const r = await runSegment({ input: { sequenceId, idempotencyKey: crypto.randomUUID() } });
                const userErrors = r.data?.sequenceSegmentRun.userErrors ?? [];
                setErrors(userErrors);
                if (!userErrors.length && !r.error) setNotice("Running the rule: new matches appear among the enrolments within seconds.");
              }}
            >
              Run the rule now
            </button>
          )}
        </div>
      )}
      {!manage.allowed && <p className="permission-note">{manage.reason} You cannot change the enrolment rule.</p>}
      {editing && (
        <form onSubmit={submit} aria-label="Enrolment rule">
          <label htmlFor="rule-titles">Title contains any of (comma-separated)</label>
          <input id="rule-titles" value={titles} onChange={(e) => setTitles(e.target.value)} />
          <label htmlFor="rule-industries">Company industry, any of (comma-separated)</label>
          <input id="rule-industries" value={industries} onChange={(e) => setIndustries(e.target.value)} />
          <label htmlFor="rule-seniorities">Seniority, any of</label>
          <select id="rule-seniorities" multiple size={4} value={seniorities} onChange={(e) => setSeniorities(Array.from(e.target.selectedOptions, (o) => o.value as Seniority))}>
            {SENIORITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <label htmlFor="rule-score">Lead score at least</label>
          <input id="rule-score" type="number" min={0} max={100} value={scoreMin} onChange={(e) => setScoreMin(e.target.value)} />
          <label htmlFor="rule-lists">On any of these contact lists</label>
          <select id="rule-lists" multiple size={Math.min(6, Math.max(2, allLists.length))} value={lists} onChange={(e) => setLists(Array.from(e.target.selectedOptions, (o) => o.value))}>
            {allLists.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name} ({l.memberCount})
              </option>
            ))}
          </select>
          <FieldErrors errors={errors} />
          <div className="actions">
            <button type="submit" className="primary" disabled={setState.fetching}>
              Save the rule
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
