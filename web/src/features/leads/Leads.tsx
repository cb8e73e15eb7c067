// Leads with filters, search and sorting; live when leads are scored or change.
import { useEffect, useState } from "react";
import { useQuery, useSubscription } from "urql";
import { graphql } from "../../gql";
import type { LeadSortField, LeadStatus, SortDirection } from "../../gql/graphql";
import { Link } from "../../router";
import { Empty, ErrorState, Loading, formatTime } from "../../ui";

const LeadsQuery = graphql(`
  query ConsoleLeads($first: Int!, $after: String, $filter: LeadFilter, $orderBy: LeadOrder) {
    leads(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      edges {
        node {
          id
          score
          grade
          status
          source
          updatedAt
          contact { id email firstName lastName title }
          company { id name }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const LeadEvents = graphql(`
  subscription ConsoleLeadEvents {
    events(types: ["sales.lead.*"]) { id type }
  }
`);

const STATUSES: LeadStatus[] = ["NEW", "WORKING", "QUALIFIED", "DISQUALIFIED", "CONVERTED"];

export default function Leads() {
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState("");
  const [status, setStatus] = useState<LeadStatus | "">("");
  const [grade, setGrade] = useState("");
  const [sort, setSort] = useState<`${LeadSortField}:${SortDirection}`>("SCORE:DESC");
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const [field, direction] = sort.split(":") as [LeadSortField, SortDirection];
  const filter = {
    ...(applied ? { search: applied } : {}),
    ...(status ? { status: [status] } : {}),
    ...(grade ? { grade: [grade] } : {}),
  };
  useEffect(() => setPages([null]), [applied, status, grade, sort]);
  const [events] = useSubscription({ query: LeadEvents });
  return (
    <section aria-labelledby="leads-title">
      <header className="screen-header">
        <h1 id="leads-title">Leads</h1>
        <form className="inline filters" role="search" onSubmit={(e) => (e.preventDefault(), setApplied(search.trim()))}>
          <label htmlFor="lead-search">Search</label>
          <input id="lead-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Name, e-mail or company" />
          <label htmlFor="lead-status">Status</label>
          <select id="lead-status" value={status} onChange={(e) => setStatus(e.target.value as LeadStatus | "")}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
          <label htmlFor="lead-grade">Grade</label>
          <select id="lead-grade" value={grade} onChange={(e) => setGrade(e.target.value)}>
            <option value="">Any</option>
            {["A", "B", "C", "D"].map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
          <label htmlFor="lead-sort">Sort</label>
          <select id="lead-sort" value={sort} onChange={(e) => setSort(e.target.value as typeof sort)}>
            <option value="SCORE:DESC">Score, best first</option>
            <option value="SCORE:ASC">Score, lowest first</option>
            <option value="UPDATED_AT:DESC">Recently changed</option>
            <option value="CREATED_AT:DESC">Newest</option>
          </select>
          <button type="submit">Search</button>
        </form>
      </header>
      <table className="leads">
        <thead>
          <tr>
            <th scope="col">Lead</th>
            <th scope="col">Company</th>
            <th scope="col">Score</th>
            <th scope="col">Grade</th>
            <th scope="col">Status</th>
            <th scope="col">Source</th>
            <th scope="col">Changed</th>
          </tr>
        </thead>
        {pages.map((after, i) => (
          <LeadPageRows
            key={`${after ?? "first"}:${JSON.stringify(filter)}:${sort}`}
            variables={{ first: 50, after, filter, orderBy: { field, direction } }}
            live={events.data?.events.id}
            isLast={i === pages.length - 1}
            onMore={(cursor) => setPages((p) => [...p, cursor])}
          />
        ))}
      </table>
    </section>
  );
}

function LeadPageRows({
  variables,
  live,
  isLast,
  onMore,
}: {
  variables: { first: number; after: string | null; filter: object; orderBy: { field: LeadSortField; direction: SortDirection } };
  live: string | undefined;
  isLast: boolean;
  onMore: (cursor: string) => void;
}) {
  const [{ data, error }, refetch] = useQuery({ query: LeadsQuery, variables });
  useEffect(() => {
    if (live) refetch({ requestPolicy: "network-only" });
  }, [live, refetch]);
  const colSpan = 7;
  if (error && !data)
    return (
      <tbody>
        <tr>
          <td colSpan={colSpan}>
            <ErrorState error={error} what="leads" />
          </td>
        </tr>
      </tbody>
    );
  if (!data)
    return (
      <tbody>
        <tr>
          <td colSpan={colSpan}>
            <Loading what="leads" />
          </td>
        </tr>
      </tbody>
    );
  const leads = data.leads.edges.map((e) => e.node);
  return (
    <tbody>
      {leads.length === 0 && variables.after === null && (
        <tr>
          <td colSpan={colSpan}>
            <Empty>No leads match. Import leads with leadImport (GraphiQL) or clear the filters.</Empty>
          </td>
        </tr>
      )}
      {leads.map((lead) => (
        <tr key={lead.id}>
          <th scope="row">
            <Link to={`/leads/${encodeURIComponent(lead.id)}`}>
              {[lead.contact?.firstName, lead.contact?.lastName].filter(Boolean).join(" ") || lead.contact?.email || "Unnamed lead"}
            </Link>
            {lead.contact?.title && <span className="meta"> · {lead.contact.title}</span>}
          </th>
          <td>{lead.company?.name ?? "—"}</td>
          <td>{lead.score ?? "—"}</td>
          <td>{lead.grade ?? "—"}</td>
          <td>{lead.status.toLowerCase()}</td>
          <td>{lead.source}</td>
          <td>{formatTime(lead.updatedAt)}</td>
        </tr>
      ))}
      {isLast && data.leads.pageInfo.hasNextPage && (
        <tr>
          <td colSpan={colSpan}>
            <button type="button" onClick={() => onMore(data.leads.pageInfo.endCursor!)}>
              Show more
            </button>
          </td>
        </tr>
      )}
    </tbody>
  );
}
