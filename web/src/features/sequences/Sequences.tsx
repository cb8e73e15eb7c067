// Sequences: the list with engagement figures, the builder (sequenceCreate, and
// sequenceUpdate when editing: a new version, A/B variants of an e-mail step),
// and a sequence's page with its steps, edit / archive, enrolments (pause /
// resume / exit) and enrolling leads. Live: any sales.sequence.* event
// refetches what is shown.
import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { graphql } from "../../gql";
import type { ConsoleSequenceQuery, SequenceDelayUnit, SequenceStepKind } from "../../gql/graphql";
import { useCan } from "../../permissions";
import { Link, navigate } from "../../router";
import SegmentRule from "./SegmentRule";
import { Dialog, Empty, ErrorState, FieldErrors, Loading, formatTime, otherErrors, type UserErrorLike } from "../../ui";

const SequencesQuery = graphql(`
  query ConsoleSequences {
    sequences(first: 100) {
      edges {
        node {
          id
          name
          status
          currentVersion
          createdAt
          engagement {
            active
            paused
            completed
            exited
            steps { position drafted approved sent replied tasks }
          }
        }
      }
    }
  }
`);

const SequenceQuery = graphql(`
  query ConsoleSequence($id: ID!) {
    sequence(id: $id) {
      id
      name
      description
      status
      currentVersion
      engagement { active paused completed exited exitsByReason { reason count } }
      version {
        version
        skipWeekends
        skipHolidays
        steps { position kind delayAmount delayUnit brief subject taskTitle windowStart windowEnd variants { key brief subject weight } }
      }
    }
    sequenceEnrollments(sequenceId: $id, first: 100) {
      edges {
        node {
          id
          status
          timeZone
          timeZoneSource
          currentStep
          pauseReason
          exitReason
          createdAt
          contact { id email firstName lastName }
          steps { position kind outcome scheduledFor outcomeReason draft { id status } }
        }
      }
    }
  }
`);

const LeadsForEnrol = graphql(`
  query ConsoleSequenceLeads {
    leads(first: 100) {
      edges { node { id contact { id email firstName lastName } } }
    }
  }
`);

const SequenceEvents = graphql(`
  subscription ConsoleSequenceEvents {
    events(types: ["sales.sequence.*"]) { id type }
  }
`);

const Create = graphql(`
  mutation ConsoleSequenceCreate($input: SequenceCreateInput!) {
    sequenceCreate(input: $input) {
      sequence { id name }
      userErrors { field message code }
    }
  }
`);

const Update = graphql(`
  mutation ConsoleSequenceUpdate($input: SequenceUpdateInput!) {
    sequenceUpdate(input: $input) {
      sequence { id name currentVersion }
      newVersion
      enrollmentsOnEarlierVersions
      userErrors { field message code }
    }
  }
`);

const Archive = graphql(`
  mutation ConsoleSequenceArchive($input: SequenceArchiveInput!) {
    sequenceArchive(input: $input) {
      sequence { id status }
      userErrors { field message code }
    }
  }
`);

const Enroll = graphql(`
  mutation ConsoleSequenceEnroll($input: SequenceEnrollInput!) {
    sequenceEnroll(input: $input) {
      enrolledCount
      refusedCount
      results { contactId refusal message firstStepAt enrollment { id } }
      userErrors { field message code }
    }
  }
`);

const Pause = graphql(`
  mutation ConsoleEnrollmentPause($input: EnrollmentPauseInput!) {
    enrollmentPause(input: $input) { enrollment { id status pauseReason } userErrors { field message code } }
  }
`);
const Resume = graphql(`
  mutation ConsoleEnrollmentResume($input: EnrollmentResumeInput!) {
    enrollmentResume(input: $input) { enrollment { id status } userErrors { field message code } }
  }
`);
const Exit = graphql(`
  mutation ConsoleEnrollmentExit($input: EnrollmentExitInput!) {
    enrollmentExit(input: $input) { enrollment { id status exitReason } userErrors { field message code } }
  }
`);

/** Refetches on every sales.sequence.* event (a colleague's edit, an enrolment moving on). */
function useSequenceEvents(refetch: (opts: { requestPolicy: "network-only" }) => void) {
  const [events] = useSubscription({ query: SequenceEvents });
  useEffect(() => {
    if (events.data) refetch({ requestPolicy: "network-only" });
  }, [events.data, refetch]);
}

export default function Sequences({ id }: { id?: string }) {
  return id ? <SequencePage id={id} /> : <SequenceList />;
}

function SequenceList() {
  const [{ data, error }, refetch] = useQuery({ query: SequencesQuery });
  useSequenceEvents(refetch);
  const manage = useCan("SEQUENCE_MANAGE");
  const sequences = (data?.sequences.edges ?? []).map((e) => e.node);
  return (
    <section aria-labelledby="sequences-title">
      <header className="screen-header">
        <h1 id="sequences-title">Sequences</h1>
        {!manage.allowed && <p className="permission-note">{manage.reason} You can read sequences but not build them.</p>}
      </header>
      {error && !data ? (
        <ErrorState error={error} what="sequences" />
      ) : !data ? (
        <Loading what="sequences" />
      ) : sequences.length === 0 ? (
        <Empty>No sequences yet.{manage.allowed ? " Build one below." : ""}</Empty>
      ) : (
        <table>
          <caption className="sr-only">Sequences and their engagement</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Active</th>
              <th scope="col">Paused</th>
              <th scope="col">Completed</th>
              <th scope="col">Exited</th>
              <th scope="col">Drafted</th>
              <th scope="col">Sent</th>
              <th scope="col">Replied</th>
            </tr>
          </thead>
          <tbody>
            {sequences.map((s) => {
              const sum = (k: "drafted" | "sent" | "replied") => s.engagement.steps.reduce((n, step) => n + step[k], 0);
              return (
                <tr key={s.id}>
                  <td>
                    <Link to={`/sequences/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                  </td>
                  <td>{s.status}</td>
                  <td>{s.engagement.active}</td>
                  <td>{s.engagement.paused}</td>
                  <td>{s.engagement.completed}</td>
                  <td>{s.engagement.exited}</td>
                  <td>{sum("drafted")}</td>
                  <td>{sum("sent")}</td>
                  <td>{sum("replied")}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {manage.allowed && <Builder />}
    </section>
  );
}

interface StepDraft {
  kind: SequenceStepKind;
  brief: string;
  subject: string;
  taskTitle: string;
  delayAmount: string;
  delayUnit: SequenceDelayUnit;
  windowStart: string;
  windowEnd: string;
  /** An A/B test of the e-mail: variant A is the step's brief and subject. */
  abTest: boolean;
  briefB: string;
  subjectB: string;
  weightA: string;
  weightB: string;
}

const NEW_STEP: StepDraft = {
  kind: "EMAIL", brief: "", subject: "", taskTitle: "", delayAmount: "0", delayUnit: "BUSINESS_DAYS", windowStart: "08:00", windowEnd: "11:00",
  abTest: false, briefB: "", subjectB: "", weightA: "1", weightB: "1",
};

type VersionStep = NonNullable<NonNullable<ConsoleSequenceQuery["sequence"]>["version"]>["steps"][number];

/** A stored step as the builder edits it. */
function stepDraftOf(step: VersionStep): StepDraft {
  const [a, b] = step.variants ?? [];
  return {
    ...NEW_STEP,
    kind: step.kind,
    brief: step.brief ?? "",
    subject: step.subject ?? "",
    taskTitle: step.taskTitle ?? "",
    delayAmount: String(step.delayAmount),
    delayUnit: step.delayUnit,
    windowStart: step.windowStart,
    windowEnd: step.windowEnd,
    ...(a && b ? { abTest: true, weightA: String(a.weight), briefB: b.brief, subjectB: b.subject ?? "", weightB: String(b.weight) } : {}),
  };
}

/** The API's step input for a builder step (only the fields its kind has). */
function stepInput(s: StepDraft) {
  const subject = s.subject.trim() || null;
  return {
    kind: s.kind,
    delayAmount: Number(s.delayAmount),
    delayUnit: s.delayUnit,
    windowStart: s.windowStart,
    windowEnd: s.windowEnd,
    ...(s.kind === "EMAIL" ? { brief: s.brief, subject } : {}),
    ...(s.kind === "EMAIL" && s.abTest
      ? {
          variants: [
            { brief: s.brief, subject, weight: Number(s.weightA) },
            { brief: s.briefB, subject: s.subjectB.trim() || null, weight: Number(s.weightB) },
          ],
        }
      : {}),
    ...(s.kind === "TASK" ? { taskTitle: s.taskTitle } : {}),
  };
}

/** userErrors for step i: field paths such as ["input", "steps", "1", "brief"]. */
function stepErrors(errors: UserErrorLike[], index: number): UserErrorLike[] {
  return errors.filter((e) => e.field.includes("steps") && e.field[e.field.indexOf("steps") + 1] === String(index));
}

/** Builds a new sequence, or (given `existing`) saves an edit as a new version. */
function Builder({ existing, onSaved }: { existing?: { id: string; name: string; steps: StepDraft[] }; onSaved?: (message: string) => void }) {
  const [name, setName] = useState(existing?.name ?? "");
  const [steps, setSteps] = useState<StepDraft[]>(existing?.steps ?? [{ ...NEW_STEP }]);
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const [createState, create] = useMutation(Create);
  const [updateState, save] = useMutation(Update);
  const update = (i: number, patch: Partial<StepDraft>) => setSteps((list) => list.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = { name, idempotencyKey: crypto.randomUUID(), steps: steps.map(stepInput) };
    if (existing) {
      const payload = (await save({ input: { ...input, sequenceId: existing.id } })).data?.sequenceUpdate;
      setErrors(payload?.userErrors ?? []);
      if (payload?.sequence && !payload.userErrors.length) {
        const kept = payload.enrollmentsOnEarlierVersions ?? 0;
        onSaved?.(
          payload.newVersion
            ? `Saved as version ${payload.sequence.currentVersion}: new enrolments get it; ${kept === 1 ? "1 enrolment in flight keeps the version it" : `${kept} enrolments in flight keep the versions they`} started on.`
            : "Saved (the steps did not change, so no new version).",
        );
      }
      return;
    }
    const payload = (await create({ input })).data?.sequenceCreate;
    setErrors(payload?.userErrors ?? []);
    if (payload?.sequence) navigate(`/sequences/${encodeURIComponent(payload.sequence.id)}`);
  };
  const stepFieldErrors = errors.filter((e) => e.field.includes("steps"));
  return (
    <form className="builder" onSubmit={submit} aria-labelledby="builder-title">
      <h2 id="builder-title">{existing ? "Edit the sequence" : "Build a sequence"}</h2>
      {existing && <p className="hint">Changed steps make a new version: new enrolments get it, enrolments in flight keep theirs.</p>}
      <label htmlFor="sequence-name">Name</label>
      <input id="sequence-name" value={name} onChange={(e) => setName(e.target.value)} />
      <FieldErrors errors={errors} field="name" />
      <ol className="steps">
        {steps.map((s, i) => (
          <li key={i}>
            <fieldset>
              <legend>Step {i + 1}</legend>
              <label htmlFor={`step-${i}-kind`}>Kind of step {i + 1}</label>
              <select id={`step-${i}-kind`} value={s.kind} onChange={(e) => update(i, { kind: e.target.value as SequenceStepKind })}>
                <option value="EMAIL">E-mail</option>
                <option value="TASK">Task</option>
                <option value="WAIT">Wait</option>
              </select>
              {s.kind === "EMAIL" && (
                <>
                  <label htmlFor={`step-${i}-brief`}>Brief for step {i + 1}{s.abTest ? " (variant A)" : ""}</label>
                  <textarea id={`step-${i}-brief`} rows={2} value={s.brief} onChange={(e) => update(i, { brief: e.target.value })} />
                  <label htmlFor={`step-${i}-subject`}>Subject of step {i + 1}{s.abTest ? " (variant A)" : ""} (optional)</label>
                  <input id={`step-${i}-subject`} value={s.subject} onChange={(e) => update(i, { subject: e.target.value })} />
                  <label className="inline">
                    <input type="checkbox" checked={s.abTest} onChange={(e) => update(i, { abTest: e.target.checked })} /> A/B test step {i + 1}
                  </label>
                  {s.abTest && (
                    <div className="variants">
                      <label htmlFor={`step-${i}-weight-a`}>Share of variant A in step {i + 1}</label>
                      <input id={`step-${i}-weight-a`} type="number" min={1} max={100} value={s.weightA} onChange={(e) => update(i, { weightA: e.target.value })} />
                      <label htmlFor={`step-${i}-brief-b`}>Brief for step {i + 1} (variant B)</label>
                      <textarea id={`step-${i}-brief-b`} rows={2} value={s.briefB} onChange={(e) => update(i, { briefB: e.target.value })} />
                      <label htmlFor={`step-${i}-subject-b`}>Subject of step {i + 1} (variant B) (optional)</label>
                      <input id={`step-${i}-subject-b`} value={s.subjectB} onChange={(e) => update(i, { subjectB: e.target.value })} />
                      <label htmlFor={`step-${i}-weight-b`}>Share of variant B in step {i + 1}</label>
                      <input id={`step-${i}-weight-b`} type="number" min={1} max={100} value={s.weightB} onChange={(e) => update(i, { weightB: e.target.value })} />
                    </div>
                  )}
                </>
              )}
              {s.kind === "TASK" && (
                <>
                  <label htmlFor={`step-${i}-task`}>Task title for step {i + 1}</label>
                  <input id={`step-${i}-task`} value={s.taskTitle} onChange={(e) => update(i, { taskTitle: e.target.value })} />
                </>
              )}
              <label htmlFor={`step-${i}-delay`}>Delay of step {i + 1}</label>
              <input id={`step-${i}-delay`} type="number" min={0} value={s.delayAmount} onChange={(e) => update(i, { delayAmount: e.target.value })} />
              <label htmlFor={`step-${i}-unit`}>Delay unit of step {i + 1}</label>
              <select id={`step-${i}-unit`} value={s.delayUnit} onChange={(e) => update(i, { delayUnit: e.target.value as SequenceDelayUnit })}>
                <option value="BUSINESS_DAYS">Business days</option>
                <option value="HOURS">Hours</option>
              </select>
              <label htmlFor={`step-${i}-from`}>Send window start of step {i + 1}</label>
              <input id={`step-${i}-from`} value={s.windowStart} onChange={(e) => update(i, { windowStart: e.target.value })} placeholder="HH:MM" />
              <label htmlFor={`step-${i}-to`}>Send window end of step {i + 1}</label>
              <input id={`step-${i}-to`} value={s.windowEnd} onChange={(e) => update(i, { windowEnd: e.target.value })} placeholder="HH:MM" />
              <FieldErrors errors={stepErrors(errors, i)} />
              {steps.length > 1 && (
                <button type="button" onClick={() => setSteps((list) => list.filter((_, j) => j !== i))}>
                  Remove step {i + 1}
                </button>
              )}
            </fieldset>
          </li>
        ))}
      </ol>
      <FieldErrors errors={stepFieldErrors.filter((e) => !steps.some((_, i) => stepErrors([e], i).length))} />
      <FieldErrors errors={otherErrors(errors, ["name"]).filter((e) => !e.field.includes("steps"))} />
      <div className="actions">
        <button type="button" onClick={() => setSteps((list) => [...list, { ...NEW_STEP, delayAmount: "2" }])}>
          Add a step
        </button>
        <button type="submit" className="primary" disabled={createState.fetching || updateState.fetching}>
          {existing ? "Save as a new version" : "Create the sequence"}
        </button>
      </div>
    </form>
  );
}

function contactLabel(c: { email: string | null; firstName: string | null; lastName: string | null } | null | undefined): string {
  if (!c) return "(erased contact)";
  return [c.firstName, c.lastName].filter(Boolean).join(" ") || c.email || "(no name)";
}

function SequencePage({ id }: { id: string }) {
  const [{ data, error }, refetch] = useQuery({ query: SequenceQuery, variables: { id } });
  useSequenceEvents(refetch);
  const manage = useCan("SEQUENCE_MANAGE");
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [confirmArchive, setConfirmArchive] = useState(false);
  const [archiveErrors, setArchiveErrors] = useState<UserErrorLike[]>([]);
  const [archiveState, archive] = useMutation(Archive);
  if (error && !data) return <ErrorState error={error} what="the sequence" />;
  if (!data) return <Loading what="the sequence" />;
  const s = data.sequence;
  if (!s) return <Empty>No such sequence. <Link to="/sequences">Back to the sequences</Link>.</Empty>;
  const enrollments = data.sequenceEnrollments.edges.map((e) => e.node);
  const manageable = manage.allowed && s.status === "ACTIVE";
  return (
    <section aria-labelledby="sequence-title">
      <header className="screen-header">
        <p>
          <Link to="/sequences">← Sequences</Link>
        </p>
        <h1 id="sequence-title">{s.name}</h1>
        <p className="meta">
          {s.status} · version {s.currentVersion} · active {s.engagement.active} · paused {s.engagement.paused} · completed {s.engagement.completed} · exited {s.engagement.exited}
        </p>
        {manageable && !editing && (
          <div className="actions">
            <button type="button" onClick={() => (setEditing(true), setSaved(null))}>
              Edit the sequence
            </button>
            <button type="button" className="danger" onClick={() => setConfirmArchive(true)}>
              Archive…
            </button>
          </div>
        )}
        {!manage.allowed && <p className="permission-note">{manage.reason} You cannot edit or archive sequences.</p>}
      </header>
      {saved && (
        <p className="banner" role="status" data-testid="sequence-saved">
          {saved}
        </p>
      )}
      {confirmArchive && (
        <Dialog title="Archive the sequence?" onClose={() => setConfirmArchive(false)}>
          <p>Nobody new can be enrolled. Enrolments in flight run to their end (end them one by one with Exit).</p>
          <FieldErrors errors={archiveErrors} />
          <div className="actions">
            <button
              type="button"
              className="danger"
              disabled={archiveState.fetching}
              onClick={async () => {
                const r = await archive({ input: { sequenceId: s.id, idempotencyKey: crypto.randomUUID() } });
                const errors = r.data?.sequenceArchive.userErrors ?? [];
                setArchiveErrors(errors);
                if (!errors.length && !r.error) setConfirmArchive(false);
              }}
            >
              Yes, archive it
            </button>
            <button type="button" onClick={() => setConfirmArchive(false)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
      {editing && s.version && (
        <>
          <Builder
            existing={{ id: s.id, name: s.name, steps: s.version.steps.map(stepDraftOf) }}
            onSaved={(message) => (setSaved(message), setEditing(false))}
          />
          <button type="button" onClick={() => setEditing(false)}>
            Stop editing
          </button>
        </>
      )}
      <h2>Steps</h2>
      <ol className="steps" data-testid="sequence-steps">
        {(s.version?.steps ?? []).map((step) => (
          <li key={step.position}>
            <strong>{step.kind}</strong> after {step.delayAmount} {step.delayUnit === "HOURS" ? "hours" : "business days"}, window {step.windowStart}–{step.windowEnd}
            {step.variants ? (
              <ul className="compact" aria-label={`A/B variants of step ${step.position}`}>
                {step.variants.map((v) => (
                  <li key={v.key}>
                    variant {v.key} (share {v.weight}): {v.brief}
                    {v.subject && <> · subject: {v.subject}</>}
                  </li>
                ))}
              </ul>
            ) : (
              step.brief && <> · brief: {step.brief}</>
            )}
            {step.taskTitle && <> · task: {step.taskTitle}</>}
          </li>
        ))}
      </ol>
      <SegmentRule sequenceId={s.id} />
      {s.status === "ACTIVE" && <EnrolForm sequenceId={s.id} />}
      <h2>Enrolments</h2>
      {enrollments.length === 0 ? (
        <Empty>Nobody is enrolled yet.</Empty>
      ) : (
        <table data-testid="enrollments">
          <caption className="sr-only">Enrolments</caption>
          <thead>
            <tr>
              <th scope="col">Contact</th>
              <th scope="col">Status</th>
              <th scope="col">Time zone</th>
              <th scope="col">Steps</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {enrollments.map((e) => (
              <EnrollmentRow key={e.id} enrollment={e} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type EnrollmentNode = ConsoleSequenceQuery["sequenceEnrollments"]["edges"][number]["node"];

function EnrollmentRow({ enrollment: e }: { enrollment: EnrollmentNode }) {
  const enrol = useCan("SEQUENCE_ENROLL");
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const [, pause] = useMutation(Pause);
  const [, resume] = useMutation(Resume);
  const [, exit] = useMutation(Exit);
  const who = contactLabel(e.contact);
  return (
    <tr>
      <td>{who}</td>
      <td>
        {e.status}
        {e.pauseReason && ` (${e.pauseReason})`}
        {e.exitReason && ` (${e.exitReason})`}
      </td>
      <td>
        {e.timeZone} <span className="hint">({e.timeZoneSource.toLowerCase()})</span>
      </td>
      <td>
        <ol className="compact">
          {e.steps.map((st) => (
            <li key={st.position}>
              {st.kind} · {st.outcome.toLowerCase()} · {formatTime(st.scheduledFor)}
              {st.draft && ` · draft ${st.draft.status.toLowerCase().replace(/_/g, " ")}`}
              {st.outcomeReason && ` · ${st.outcomeReason}`}
            </li>
          ))}
        </ol>
      </td>
      <td>
        {enrol.allowed ? (
          <div className="actions">
            {e.status === "ACTIVE" && (
              <button
                type="button"
                aria-label={`Pause ${who}`}
                onClick={async () => {
                  const r = await pause({ input: { enrollmentId: e.id, reason: "Paused in the console", idempotencyKey: crypto.randomUUID() } });
                  setErrors(r.data?.enrollmentPause.userErrors ?? []);
                }}
              >
                Pause
              </button>
            )}
            {e.status === "PAUSED" && (
              <button
                type="button"
                aria-label={`Resume ${who}`}
                onClick={async () => {
                  const r = await resume({ input: { enrollmentId: e.id, idempotencyKey: crypto.randomUUID() } });
                  setErrors(r.data?.enrollmentResume.userErrors ?? []);
                }}
              >
                Resume
              </button>
            )}
            {(e.status === "ACTIVE" || e.status === "PAUSED") && (
              <button
                type="button"
                aria-label={`Exit ${who}`}
                onClick={async () => {
                  const r = await exit({ input: { enrollmentId: e.id, reason: "Ended in the console", idempotencyKey: crypto.randomUUID() } });
                  setErrors(r.data?.enrollmentExit.userErrors ?? []);
                }}
              >
                Exit
              </button>
            )}
          </div>
        ) : (
          <span className="hint">{enrol.reason}</span>
        )}
        <FieldErrors errors={errors} />
      </td>
    </tr>
  );
}

function EnrolForm({ sequenceId }: { sequenceId: string }) {
  const enrol = useCan("SEQUENCE_ENROLL");
  const [{ data }] = useQuery({ query: LeadsForEnrol, pause: !enrol.allowed });
  const [picked, setPicked] = useState<string[]>([]);
  const [pasted, setPasted] = useState("");
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const [outcome, setOutcome] = useState<{ enrolled: number; refused: { who: string; message: string }[] } | null>(null);
  const [state, enroll] = useMutation(Enroll);
  if (!enrol.allowed) return <p className="permission-note">{enrol.reason} You cannot enrol contacts.</p>;
  const contacts = (data?.leads.edges ?? []).map((e) => e.node.contact).filter((c): c is NonNullable<typeof c> => !!c);
  const label = (contactId: string) => {
    const known = contacts.find((c) => c.id === contactId);
    return known ? contactLabel(known) : contactId;
  };
  // Picked leads plus any contact ids pasted (comma, space or one a line).
  const chosen = [...new Set([...picked, ...pasted.split(/[\s,]+/).filter(Boolean)])];
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await enroll({ input: { sequenceId, contactIds: chosen, idempotencyKey: crypto.randomUUID() } });
    const payload = result.data?.sequenceEnroll;
    setErrors(payload?.userErrors ?? []);
    if (payload?.results) {
      setOutcome({
        enrolled: payload.enrolledCount ?? 0,
        refused: payload.results.filter((r) => r.refusal).map((r) => ({ who: label(r.contactId), message: `${r.refusal}: ${r.message ?? ""}` })),
      });
      setPicked([]);
      setPasted("");
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="enrol-title">
      <h2 id="enrol-title">Enrol contacts</h2>
      <label htmlFor="enrol-contacts">Leads to enrol (pick several with Ctrl or Shift)</label>
      <select id="enrol-contacts" multiple size={Math.min(8, Math.max(3, contacts.length))} value={picked} onChange={(e) => setPicked(Array.from(e.target.selectedOptions, (o) => o.value))}>
        {contacts.map((c) => (
          <option key={c.id} value={c.id}>
            {contactLabel(c)}
            {c.email ? ` <${c.email}>` : ""}
          </option>
        ))}
      </select>
      <label htmlFor="enrol-ids">Or paste contact ids</label>
      <textarea id="enrol-ids" rows={2} value={pasted} onChange={(e) => setPasted(e.target.value)} spellCheck={false} />
      <FieldErrors errors={errors} />
      <button type="submit" className="primary" disabled={state.fetching || chosen.length === 0}>
        Enrol {chosen.length || ""} selected
      </button>
      {outcome && (
        <div role="status" data-testid="enrol-outcome">
          <p>
            Enrolled {outcome.enrolled}; refused {outcome.refused.length}.
          </p>
          {outcome.refused.length > 0 && (
            <ul>
              {outcome.refused.map((r, i) => (
                <li key={i}>
                  {r.who}: {r.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  );
}
