// The weekly digest on the Reports screen: opt in or out (with a copy as a
// draft to yourself), write last week's now, and read your digests. New
// digests arrive live (sales.report.digest_written).
import { useState } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { graphql } from "../../gql";
import { FieldErrors, formatTime, Loading, type UserErrorLike } from "../../ui";

const DigestQuery = graphql(`
  query ConsoleWeeklyDigest {
    weeklyDigestSettings { subscribed asDraft }
    weeklyDigests(first: 5) { edges { node { id subject bodyText periodStart createdAt draftId } } }
  }
`);

const DigestEvents = graphql(`
  subscription ConsoleWeeklyDigestEvents {
    events(types: ["sales.report.digest_written"]) { id type }
  }
`);

const Subscribe = graphql(`
  mutation ConsoleWeeklyDigestSubscribe($input: WeeklyDigestSubscribeInput!) {
    weeklyDigestSubscribe(input: $input) { settings { subscribed asDraft } userErrors { field message code } }
  }
`);

const WriteNow = graphql(`
  mutation ConsoleWeeklyDigestWriteNow {
    weeklyDigestWriteNow { digest { id } userErrors { field message code } }
  }
`);

export function WeeklyDigest() {
  const [{ data }, refetch] = useQuery({ query: DigestQuery, requestPolicy: "cache-and-network" });
  useSubscription({ query: DigestEvents }, (_prev, event) => {
    refetch({ requestPolicy: "network-only" });
    return event;
  });
  const [, subscribe] = useMutation(Subscribe);
  const [writing, writeNow] = useMutation(WriteNow);
  const [errors, setErrors] = useState<readonly UserErrorLike[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  if (!data) return <Loading what="your weekly digest" />;
  const settings = data.weeklyDigestSettings;
  const change = async (subscribed: boolean, asDraft: boolean) => {
    const result = await subscribe({ input: { subscribed, asDraft } });
    setErrors(result.data?.weeklyDigestSubscribe.userErrors ?? []);
    refetch({ requestPolicy: "network-only" });
  };
  const digests = data.weeklyDigests.edges.map((e) => e.node);
  return (
    <section aria-labelledby="digest-title" className="digest" data-testid="weekly-digest">
      <h2 id="digest-title">Weekly digest</h2>
      <p className="hint">Last week's figures against the week before, written every Monday from 07:00 in the workspace's time zone.</p>
      <label>
        <input type="checkbox" checked={settings.subscribed} onChange={(e) => void change(e.target.checked, settings.asDraft)} /> Write my weekly digest
      </label>{" "}
      <label>
        <input type="checkbox" checked={settings.asDraft} disabled={!settings.subscribed} onChange={(e) => void change(true, e.target.checked)} /> Also as a draft to
        myself (reviewed like any draft)
      </label>{" "}
      <button
        type="button"
        disabled={writing.fetching}
        onClick={async () => {
          const result = await writeNow({});
          setErrors(result.data?.weeklyDigestWriteNow.userErrors ?? []);
          refetch({ requestPolicy: "network-only" });
        }}
      >
        Write last week's now
      </button>
      <FieldErrors errors={errors} />
      {digests.length === 0 ? (
        <p className="hint">No digests yet.</p>
      ) : (
        <ul className="digests">
          {digests.map((d) => (
            <li key={d.id}>
              <button type="button" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)}>
                {d.subject}
              </button>{" "}
              <span className="meta">
                written {formatTime(d.createdAt)}
                {d.draftId ? " · a draft copy waits in the review queue" : ""}
              </span>
              {open === d.id && <pre className="body">{d.bodyText}</pre>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
