// Story-pitch campaigns: the list with status and results, "New campaign" (a
// preview: ranked contacts with reasons, exclusions with reasons, the send plan per
// day; then Launch with the preview's fingerprint), and a campaign's page with its
// results and pause / resume / cancel. Live: sales.campaign.* events refetch.
import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { graphql } from "../../gql";
import type { CampaignPreviewInput, CampaignSegmentInput, CompanyLifecycle, ConsoleCampaignPreviewQuery, LeadStatus, Seniority } from "../../gql/graphql";
import { useCan } from "../../permissions";
import { Link, navigate } from "../../router";
import { Empty, ErrorState, FieldErrors, Loading, formatTime, otherErrors, type UserErrorLike } from "../../ui";

const CampaignsQuery = graphql(`
  query ConsoleCampaigns {
    campaigns(first: 100) {
      edges {
        node {
          id
          name
          status
          startDate
          dailyCap
          recipientCount
          createdAt
          results { recipients planned drafted approved sent replied positiveReplies skipped cancelled rejected }
        }
      }
    }
  }
`);

const CampaignQuery = graphql(`
  query ConsoleCampaign($id: ID!, $recipientsOffset: Int!) {
    campaign(id: $id) {
      id
      name
      status
      brief
      mailbox
      startDate
      dailyCap
      cadenceDays
      recipientCount
      pausedAt
      cancelledAt
      completedAt
      createdAt
      results { recipients planned drafted approved sent replied positiveReplies skipped cancelled rejected }
      recipients(first: 50, offset: $recipientsOffset) {
        rank
        rankReason
        plannedDay
        status
        skipReason
        contact { id email firstName lastName }
        draft { id status }
      }
    }
  }
`);

// A query, run on demand: the preview writes nothing.
const PreviewQuery = graphql(`
  query ConsoleCampaignPreview($input: CampaignPreviewInput!, $offset: Int!, $excludedOffset: Int!) {
    campaignPreview(input: $input, first: 50, offset: $offset, excludedFirst: 50, excludedOffset: $excludedOffset) {
      preview {
        fingerprint
        matched
        eligible
        excludedCount
        plannedCount
        unplannedCount
        beyondSize
        rankingRule
        timeZone
        days { day count }
        exclusionCounts { reason count }
        excluded { contactId email reason message }
        ranked { contactId rank name email companyName title score grade points reason plannedDay planNote }
        input { brief cadenceDays dailyCap mailbox segment size startDate subject }
      }
      userErrors { field message code }
    }
  }
`);

const CampaignEvents = graphql(`
  subscription ConsoleCampaignEvents {
    events(types: ["sales.campaign.*"]) { id type }
  }
`);

const Launch = graphql(`
  mutation ConsoleCampaignLaunch($input: CampaignLaunchInput!) {
    campaignLaunch(input: $input) { campaign { id name status } userErrors { field message code } }
  }
`);
const Pause = graphql(`
  mutation ConsoleCampaignPause($input: CampaignPauseInput!) {
    campaignPause(input: $input) { campaign { id status pausedAt } userErrors { field message code } }
  }
`);
const Resume = graphql(`
  mutation ConsoleCampaignResume($input: CampaignResumeInput!) {
    campaignResume(input: $input) { campaign { id status pausedAt } userErrors { field message code } }
  }
`);
const Cancel = graphql(`
  mutation ConsoleCampaignCancel($input: CampaignCancelInput!) {
    campaignCancel(input: $input) { campaign { id status cancelledAt } cancelledDraftIds userErrors { field message code } }
  }
`);

function useCampaignEvents(refetch: (opts: { requestPolicy: "network-only" }) => void) {
  const [events] = useSubscription({ query: CampaignEvents });
  useEffect(() => {
    if (events.data) refetch({ requestPolicy: "network-only" });
  }, [events.data, refetch]);
}

export default function Campaigns({ id }: { id?: string }) {
  if (id === "new") return <NewCampaign />;
  return id ? <CampaignPage id={id} /> : <CampaignList />;
}

function CampaignList() {
  const [{ data, error }, refetch] = useQuery({ query: CampaignsQuery });
  useCampaignEvents(refetch);
  const preview = useCan("CAMPAIGN_PREVIEW");
  const campaigns = (data?.campaigns.edges ?? []).map((e) => e.node);
  return (
    <section aria-labelledby="campaigns-title">
      <header className="screen-header">
        <h1 id="campaigns-title">Campaigns</h1>
        {preview.allowed ? (
          <Link to="/campaigns/new" className="button primary">
            New campaign
          </Link>
        ) : (
          <p className="permission-note">{preview.reason} You can read campaigns but not plan them.</p>
        )}
      </header>
      {error && !data ? (
        <ErrorState error={error} what="campaigns" />
      ) : !data ? (
        <Loading what="campaigns" />
      ) : campaigns.length === 0 ? (
        <Empty>No campaigns yet.</Empty>
      ) : (
        <table data-testid="campaigns">
          <caption className="sr-only">Campaigns and their results</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Start</th>
              <th scope="col">Recipients</th>
              <th scope="col">Drafted</th>
              <th scope="col">Sent</th>
              <th scope="col">Replied</th>
              <th scope="col">Positive</th>
            </tr>
          </thead>
          <tbody>
            {campaigns.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</Link>
                </td>
                <td>{c.status}</td>
                <td>{c.startDate}</td>
                <td>{c.results.recipients}</td>
                <td>{c.results.drafted}</td>
                <td>{c.results.sent}</td>
                <td>{c.results.replied}</td>
                <td>{c.results.positiveReplies}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const list = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const int = (text: string) => (text.trim() === "" ? undefined : Number(text));

const LEAD_STATUSES: LeadStatus[] = ["NEW", "WORKING", "QUALIFIED", "CONVERTED", "DISQUALIFIED"];
const LIFECYCLES: CompanyLifecycle[] = ["PROSPECT", "CUSTOMER", "FORMER_CUSTOMER", "PARTNER", "COMPETITOR"];
const SENIORITIES: Seniority[] = ["C_LEVEL", "VP", "DIRECTOR", "MANAGER", "SENIOR", "ENTRY", "UNKNOWN"];

const FIELDS = ["name", "brief", "dailyCap", "size", "startDate", "mailbox", "subject", "titleKeywords", "industries", "grades", "scoreMin", "scoreMax", "employeesMin", "employeesMax", "attributes", "lifecycles", "leadStatuses", "seniorities"];

type Preview = NonNullable<ConsoleCampaignPreviewQuery["campaignPreview"]["preview"]>;

function NewCampaign() {
  const can = useCan("CAMPAIGN_PREVIEW");
  const manage = useCan("CAMPAIGN_MANAGE");
  const [form, setForm] = useState({ name: "", brief: "", dailyCap: "20", size: "100", startDate: "", mailbox: "", subject: "", titleKeywords: "", industries: "", grades: "", scoreMin: "", scoreMax: "", employeesMin: "", employeesMax: "", attributes: "" });
  const [lifecycles, setLifecycles] = useState<CompanyLifecycle[]>([]);
  const [statuses, setStatuses] = useState<LeadStatus[]>([]);
  const [seniorities, setSeniorities] = useState<Seniority[]>([]);
  const [input, setInput] = useState<CampaignPreviewInput | null>(null);
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const [launchErrors, setLaunchErrors] = useState<UserErrorLike[]>([]);
  // Which page of the ranked and of the excluded contacts is shown (PREVIEW_PAGE at a time).
  const [pages, setPages] = useState({ offset: 0, excludedOffset: 0 });
  const [{ data, fetching, error }, rerunPreview] = useQuery({ query: PreviewQuery, variables: { input: input!, ...pages }, pause: !input, requestPolicy: "network-only" });
  const [launching, launch] = useMutation(Launch);
  const previewPayload = input ? data?.campaignPreview : undefined;
  const preview = previewPayload?.preview ?? null;
  const allErrors = [...errors, ...(previewPayload?.userErrors ?? [])];
  if (!can.allowed) return <p className="permission-note">{can.reason}</p>;
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const runPreview = (event: FormEvent) => {
    event.preventDefault();
    setErrors([]);
    const segment: CampaignSegmentInput = {};
    if (list(form.titleKeywords).length) segment.titleKeywords = list(form.titleKeywords);
    if (list(form.industries).length) segment.industries = list(form.industries);
    if (list(form.grades).length) segment.grades = list(form.grades);
    if (statuses.length) segment.leadStatuses = statuses;
    if (seniorities.length) segment.seniorities = seniorities;
    if (int(form.scoreMin) !== undefined) segment.scoreMin = int(form.scoreMin);
    if (int(form.scoreMax) !== undefined) segment.scoreMax = int(form.scoreMax);
    if (int(form.employeesMin) !== undefined) segment.employeesMin = int(form.employeesMin);
    if (int(form.employeesMax) !== undefined) segment.employeesMax = int(form.employeesMax);
    if (lifecycles.length) segment.lifecycles = lifecycles;
    // key=value, comma-separated.
    const attributes = list(form.attributes).map((pair) => {
      const at = pair.indexOf("=");
      return at < 0 ? { key: pair, value: "" } : { key: pair.slice(0, at).trim(), value: pair.slice(at + 1).trim() };
    });
    if (attributes.length) segment.attributes = attributes;
    setLaunchErrors([]);
    const next: CampaignPreviewInput = {
      brief: form.brief,
      segment,
      dailyCap: int(form.dailyCap),
      size: int(form.size),
      ...(form.startDate ? { startDate: form.startDate } : {}),
      ...(form.mailbox.trim() ? { mailbox: form.mailbox.trim() } : {}),
      ...(form.subject.trim() ? { subject: form.subject.trim() } : {}),
    };
    // The same input again (e.g. after a refused launch): ask the server afresh.
    if (input && JSON.stringify(next) === JSON.stringify(input)) rerunPreview({ requestPolicy: "network-only" });
    else {
      setPages({ offset: 0, excludedOffset: 0 });
      setInput(next);
    }
  };
  const doLaunch = async () => {
    if (!input || !preview) return;
    const result = await launch({ input: { ...input, name: form.name, expectedFingerprint: preview.fingerprint, idempotencyKey: crypto.randomUUID() } });
    const payload = result.data?.campaignLaunch;
    const userErrors = payload?.userErrors ?? [];
    // Errors about the form's fields go next to them; the rest (e.g. a CONFLICT with the preview) next to the button.
    setErrors(userErrors.filter((e) => FIELDS.includes(e.field[e.field.length - 1] ?? "")));
    setLaunchErrors(userErrors.filter((e) => !FIELDS.includes(e.field[e.field.length - 1] ?? "")));
    if (payload?.campaign) navigate(`/campaigns/${encodeURIComponent(payload.campaign.id)}`);
  };
  const field = (key: keyof typeof form, label: string, props: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={`campaign-${key}`}>{label}</label>
      <input id={`campaign-${key}`} value={form[key]} onChange={set(key)} {...props} />
      <FieldErrors errors={allErrors} field={key} />
    </div>
  );
  return (
    <section aria-labelledby="new-campaign-title">
      <header className="screen-header">
        <p>
          <Link to="/campaigns">← Campaigns</Link>
        </p>
        <h1 id="new-campaign-title">New campaign</h1>
      </header>
      <form onSubmit={runPreview} aria-label="Campaign preview">
        {field("name", "Campaign name")}
        <div className="field">
          <label htmlFor="campaign-brief">Brief (the story to pitch)</label>
          <textarea id="campaign-brief" rows={3} value={form.brief} onChange={set("brief")} />
          <FieldErrors errors={allErrors} field="brief" />
        </div>
        <fieldset>
          <legend>Segment (every given criterion must hold; empty means any)</legend>
          {field("titleKeywords", "Title keywords (comma-separated)")}
          {field("industries", "Industries (comma-separated)")}
          {field("grades", "Grades (comma-separated, e.g. A, B)")}
          {field("scoreMin", "Lowest score", { type: "number", min: 0, max: 100 })}
          {field("scoreMax", "Highest score", { type: "number", min: 0, max: 100 })}
          {field("employeesMin", "Fewest employees", { type: "number", min: 0 })}
          {field("employeesMax", "Most employees", { type: "number", min: 0 })}
          {field("attributes", "Custom attributes (key=value, comma-separated)")}
          <div className="field">
            <label htmlFor="campaign-lifecycles">Company lifecycles</label>
            <select id="campaign-lifecycles" multiple size={5} value={lifecycles} onChange={(e) => setLifecycles(Array.from(e.target.selectedOptions, (o) => o.value as CompanyLifecycle))}>
              {LIFECYCLES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="campaign-statuses">Lead statuses</label>
            <select id="campaign-statuses" multiple size={5} value={statuses} onChange={(e) => setStatuses(Array.from(e.target.selectedOptions, (o) => o.value as LeadStatus))}>
              {LEAD_STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="campaign-seniorities">Seniorities</label>
            <select id="campaign-seniorities" multiple size={7} value={seniorities} onChange={(e) => setSeniorities(Array.from(e.target.selectedOptions, (o) => o.value as Seniority))}>
              {SENIORITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </div>
        </fieldset>
        {field("dailyCap", "Daily cap (drafts per business day)", { type: "number", min: 1 })}
        {field("size", "Size (top-ranked contacts taken)", { type: "number", min: 1 })}
        {field("startDate", "Start date", { type: "date" })}
        {field("mailbox", "Mailbox (default: the first mailbox)", { type: "email" })}
        {field("subject", "Fixed subject (optional)")}
        <FieldErrors errors={otherErrors(allErrors, FIELDS)} />
        <div className="actions">
          <button type="submit" disabled={fetching}>
            Preview
          </button>
        </div>
      </form>
      {error && <ErrorState error={error} what="the preview" />}
      {input && fetching && <Loading what="the preview" />}
      {preview && <PreviewView preview={preview} pages={pages} setPages={setPages} />}
      {preview && (
        <div className="actions">
          {manage.allowed ? (
            <>
              <button type="button" className="primary" disabled={launching.fetching || preview.plannedCount === 0} onClick={doLaunch}>
                Launch the campaign ({preview.plannedCount} contacts)
              </button>
              <FieldErrors errors={launchErrors} />
            </>
          ) : (
            <p className="permission-note">{manage.reason} You can preview but not launch.</p>
          )}
        </div>
      )}
    </section>
  );
}

const PREVIEW_PAGE = 50;

/** "Showing a–b of n" with previous / next, for one list of the preview. */
function Pager({ what, offset, shown, total, onOffset }: { what: string; offset: number; shown: number; total: number; onOffset: (offset: number) => void }) {
  if (total <= PREVIEW_PAGE && offset === 0) return null;
  return (
    <nav className="pager" aria-label={`Pages of the ${what}`}>
      <span data-testid={`pager-${what.replace(/ /g, "-")}`}>
        {shown === 0 ? `None from ${offset + 1}` : `Showing ${offset + 1}–${offset + shown}`} of {total}
      </span>{" "}
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - PREVIEW_PAGE))}>
        Previous {PREVIEW_PAGE} {what}
      </button>{" "}
      <button type="button" disabled={offset + PREVIEW_PAGE >= total} onClick={() => onOffset(offset + PREVIEW_PAGE)}>
        Next {PREVIEW_PAGE} {what}
      </button>
    </nav>
  );
}

interface PreviewPages {
  offset: number;
  excludedOffset: number;
}

function PreviewView({ preview, pages, setPages }: { preview: Preview; pages: PreviewPages; setPages: (update: (p: PreviewPages) => PreviewPages) => void }) {
  // The ranked list is the campaign's contacts: the eligible ones within its size.
  const rankedTotal = preview.eligible - preview.beyondSize;
  return (
    <section aria-labelledby="preview-title" data-testid="campaign-preview">
      <h2 id="preview-title">Preview</h2>
      <p className="meta">
        Matched {preview.matched} · eligible {preview.eligible} · excluded {preview.excludedCount} · planned {preview.plannedCount} · unplanned {preview.unplannedCount} · beyond the size{" "}
        {preview.beyondSize} · days in {preview.timeZone}
      </p>
      <p className="hint">{preview.rankingRule}</p>
      <h3>Send plan</h3>
      {preview.days.length === 0 ? (
        <Empty>No days planned.</Empty>
      ) : (
        <table data-testid="campaign-plan">
          <caption className="sr-only">Drafts per day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Drafts</th>
            </tr>
          </thead>
          <tbody>
            {preview.days.map((d) => (
              <tr key={d.day}>
                <td>{d.day}</td>
                <td>{d.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Ranked contacts</h3>
      <Pager what="ranked contacts" offset={pages.offset} shown={preview.ranked.length} total={rankedTotal} onOffset={(offset) => setPages((p) => ({ ...p, offset }))} />
      {preview.ranked.length === 0 ? (
        <Empty>Nobody is eligible.</Empty>
      ) : (
        <table data-testid="campaign-ranked">
          <caption className="sr-only">Ranked contacts</caption>
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col">Contact</th>
              <th scope="col">Company</th>
              <th scope="col">Score</th>
              <th scope="col">Why</th>
              <th scope="col">Day</th>
            </tr>
          </thead>
          <tbody>
            {preview.ranked.map((r) => (
              <tr key={r.contactId}>
                <td>{r.rank}</td>
                <td>
                  {r.name ?? r.email} <span className="hint">{r.email}</span>
                </td>
                <td>{r.companyName ?? "—"}</td>
                <td>
                  {r.score ?? "—"} {r.grade && `(${r.grade})`}
                </td>
                <td>{r.reason}</td>
                <td>
                  {r.plannedDay ?? "none"}
                  {r.planNote && <span className="hint"> · {r.planNote}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Excluded</h3>
      {preview.exclusionCounts.length > 0 && (
        <p className="meta">{preview.exclusionCounts.map((c) => `${c.reason.toLowerCase().replace(/_/g, " ")}: ${c.count}`).join(" · ")}</p>
      )}
      <Pager
        what="excluded contacts"
        offset={pages.excludedOffset}
        shown={preview.excluded.length}
        total={preview.excludedCount}
        onOffset={(excludedOffset) => setPages((p) => ({ ...p, excludedOffset }))}
      />
      {preview.excluded.length === 0 ? (
        <Empty>Nobody matching the segment is left out.</Empty>
      ) : (
        <table data-testid="campaign-excluded">
          <caption className="sr-only">Excluded contacts</caption>
          <thead>
            <tr>
              <th scope="col">Contact</th>
              <th scope="col">Reason</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {preview.excluded.map((x) => (
              <tr key={x.contactId}>
                <td>{x.email ?? x.contactId}</td>
                <td>{x.reason}</td>
                <td>{x.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CampaignPage({ id }: { id: string }) {
  // Recipients 50 at a time (a launched campaign can have thousands), in rank order.
  const [recipientsOffset, setRecipientsOffset] = useState(0);
  const [{ data, error }, refetch] = useQuery({ query: CampaignQuery, variables: { id, recipientsOffset } });
  useCampaignEvents(refetch);
  const manage = useCan("CAMPAIGN_MANAGE");
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const [, pause] = useMutation(Pause);
  const [, resume] = useMutation(Resume);
  const [, cancel] = useMutation(Cancel);
  if (error && !data) return <ErrorState error={error} what="the campaign" />;
  if (!data) return <Loading what="the campaign" />;
  const c = data.campaign;
  if (!c) return <Empty>No such campaign. <Link to="/campaigns">Back to the campaigns</Link>.</Empty>;
  const r = c.results;
  const key = () => crypto.randomUUID();
  return (
    <section aria-labelledby="campaign-title">
      <header className="screen-header">
        <p>
          <Link to="/campaigns">← Campaigns</Link>
        </p>
        <h1 id="campaign-title">{c.name}</h1>
        <p className="meta">
          Status <strong data-testid="campaign-status">{c.status}</strong> · from {c.startDate} · {c.dailyCap} a day · mailbox {c.mailbox} · launched {formatTime(c.createdAt)}
        </p>
        <p>{c.brief}</p>
      </header>
      {manage.allowed ? (
        <div className="actions">
          {c.status === "ACTIVE" && (
            <button type="button" onClick={async () => setErrors((await pause({ input: { campaignId: c.id, idempotencyKey: key() } })).data?.campaignPause.userErrors ?? [])}>
              Pause
            </button>
          )}
          {c.status === "PAUSED" && (
            <button type="button" onClick={async () => setErrors((await resume({ input: { campaignId: c.id, idempotencyKey: key() } })).data?.campaignResume.userErrors ?? [])}>
              Resume
            </button>
          )}
          {(c.status === "ACTIVE" || c.status === "PAUSED") && (
            <button
              type="button"
              onClick={async () => {
                if (!confirm("Cancel the campaign? Every draft of it not yet sent is cancelled.")) return;
                setErrors((await cancel({ input: { campaignId: c.id, idempotencyKey: key() } })).data?.campaignCancel.userErrors ?? []);
              }}
            >
              Cancel the campaign
            </button>
          )}
        </div>
      ) : (
        <p className="permission-note">{manage.reason}</p>
      )}
      <FieldErrors errors={errors} />
      <h2>Results</h2>
      <dl className="figures" data-testid="campaign-results">
        {(
          [
            ["Recipients", r.recipients],
            ["Planned", r.planned],
            ["Drafted", r.drafted],
            ["Approved", r.approved],
            ["Rejected", r.rejected],
            ["Sent", r.sent],
            ["Replied", r.replied],
            ["Positive replies", r.positiveReplies],
            ["Skipped", r.skipped],
            ["Cancelled", r.cancelled],
          ] as const
        ).map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <h2>Recipients</h2>
      <Pager what="recipients" offset={recipientsOffset} shown={c.recipients.length} total={c.recipientCount} onOffset={setRecipientsOffset} />
      {c.recipients.length === 0 ? (
        <Empty>No recipients.</Empty>
      ) : (
        <table>
          <caption className="sr-only">Recipients</caption>
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col">Contact</th>
              <th scope="col">Day</th>
              <th scope="col">Status</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {c.recipients.map((x) => (
              <tr key={x.rank}>
                <td>{x.rank}</td>
                <td>{x.contact ? [x.contact.firstName, x.contact.lastName].filter(Boolean).join(" ") || x.contact.email : "(erased)"}</td>
                <td>{x.plannedDay}</td>
                <td>
                  {x.status}
                  {x.draft && ` · draft ${x.draft.status.toLowerCase().replace(/_/g, " ")}`}
                  {x.skipReason && ` · ${x.skipReason}`}
                </td>
                <td>{x.rankReason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
