// Settings and safety: sending mode, the kill switch (with confirmation),
// quotas and what binds now, members and roles, API keys, the audit log.
// Live through the events stream; every control follows the caller's permissions.
import { useEffect, useState } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { graphql } from "../../gql";
import type { MemberRole } from "../../gql/graphql";
import { useCan, useViewer } from "../../permissions";
import { Dialog, Empty, ErrorState, FieldErrors, Loading, formatTime, otherErrors, type UserErrorLike } from "../../ui";

const SendingQuery = graphql(`
  query ConsoleSending {
    sendingStatus { mode canSend tenantKillSwitch globalKillSwitch killSwitchReason killSwitchChangedAt killSwitchChangedBy transport }
    tenant { id name settings }
  }
`);

const SettingsEvents = graphql(`
  subscription ConsoleSettingsEvents {
    events(types: ["sales.sending.*", "sales.tenant.*", "sales.membership.*", "sales.api_key.*"]) { id type }
  }
`);

const KillSwitch = graphql(`
  mutation ConsoleKillSwitch($input: SendingKillSwitchSetInput!) {
    sendingKillSwitchSet(input: $input) {
      sendingStatus { mode canSend tenantKillSwitch globalKillSwitch killSwitchReason killSwitchChangedAt killSwitchChangedBy transport }
      cancelledDrafts { id status }
      userErrors { field message code }
    }
  }
`);

const UpdateSettings = graphql(`
  mutation ConsoleTenantSettings($input: TenantUpdateSettingsInput!) {
    tenantUpdateSettings(input: $input) {
      tenant { id settings }
      userErrors { field message code }
    }
  }
`);

const QuotaQuery = graphql(`
  query ConsoleSendQuota($mailbox: String!, $contactEmail: String!) {
    sendQuota(mailbox: $mailbox, contactEmail: $contactEmail) {
      allowed
      availableAt
      binding { kind key limit used remaining windowHours freesAt }
      limits { kind key limit used remaining windowHours freesAt }
    }
  }
`);

const MembersQuery = graphql(`
  query ConsoleMembers {
    memberships(first: 100) { edges { node { id role displayName createdAt user { id email } } } }
  }
`);

const ChangeRole = graphql(`
  mutation ConsoleChangeRole($input: MembershipChangeRoleInput!) {
    membershipChangeRole(input: $input) { membership { id role } userErrors { field message code } }
  }
`);

const AddMember = graphql(`
  mutation ConsoleAddMember($input: MembershipAddInput!) {
    membershipAdd(input: $input) { membership { id role displayName user { id email } } userErrors { field message code } }
  }
`);

const ApiKeysQuery = graphql(`
  query ConsoleApiKeys {
    apiKeys(first: 100) { edges { node { id name prefix role status createdAt lastUsedAt expiresAt } } }
  }
`);

const CreateKey = graphql(`
  mutation ConsoleCreateKey($input: ApiKeyCreateInput!) {
    apiKeyCreate(input: $input) { apiKey { id name prefix role status createdAt lastUsedAt expiresAt } secret userErrors { field message code } }
  }
`);

const RevokeKey = graphql(`
  mutation ConsoleRevokeKey($input: ApiKeyRevokeInput!) {
    apiKeyRevoke(input: $input) { apiKey { id status } userErrors { field message code } }
  }
`);

const AuditQuery = graphql(`
  query ConsoleAudit($filter: AuditEntryFilter) {
    auditEntries(first: 50, filter: $filter) {
      edges { node { id createdAt action actorLabel actorType targetType summary } }
    }
  }
`);

const ROLES: MemberRole[] = ["OWNER", "ADMIN", "MANAGER", "OPERATOR", "ANALYST"];

export default function Settings() {
  const [events] = useSubscription({ query: SettingsEvents });
  const live = events.data?.events.id;
  return (
    <section aria-labelledby="settings-title" className="settings">
      <header className="screen-header">
        <h1 id="settings-title">Settings and safety</h1>
      </header>
      <div className="report-grid">
        <Sending live={live} />
        <Quotas />
        <Members live={live} />
        <ApiKeys live={live} />
      </div>
      <Audit live={live} />
    </section>
  );
}

function useLive(live: string | undefined, refetch: (o: { requestPolicy: "network-only" }) => void) {
  useEffect(() => {
    if (live) refetch({ requestPolicy: "network-only" });
  }, [live, refetch]);
}

function Sending({ live }: { live: string | undefined }) {
  const [{ data, error }, refetch] = useQuery({ query: SendingQuery });
  useLive(live, refetch);
  const control = useCan("SENDING_CONTROL");
  const settingsWrite = useCan("SETTINGS_WRITE");
  const [confirming, setConfirming] = useState(false);
  const [modeErrors, setModeErrors] = useState<UserErrorLike[]>([]);
  const [, update] = useMutation(UpdateSettings);
  if (error && !data) return <ErrorState error={error} what="the sending status" />;
  if (!data) return <Loading what="the sending status" />;
  const s = data.sendingStatus;
  return (
    <section aria-labelledby="sending-title" className="card">
      <h2 id="sending-title">Sending</h2>
      <p data-testid="sending-state" className={s.canSend ? "ok" : "stopped"}>
        {s.tenantKillSwitch || s.globalKillSwitch
          ? "Stopped: the kill switch is engaged. Nothing is sent."
          : s.canSend
            ? "Approved drafts can be sent."
            : "Draft only: drafts can be approved, nothing is sent."}
      </p>
      <dl className="figures">
        <dt>Transport</dt>
        <dd>{s.transport}</dd>
        <dt>Kill switch</dt>
        <dd data-testid="kill-switch-state">
          {s.tenantKillSwitch ? "engaged" : "released"}
          {s.killSwitchChangedBy ? ` by ${s.killSwitchChangedBy}, ${formatTime(s.killSwitchChangedAt)}` : ""}
          {s.killSwitchReason ? ` (“${s.killSwitchReason}”)` : ""}
        </dd>
        {s.globalKillSwitch && (
          <>
            <dt>Service-wide</dt>
            <dd>engaged by the service's operators</dd>
          </>
        )}
      </dl>
      <label htmlFor="sending-mode">Sending mode</label>
      <select
        id="sending-mode"
        value={s.mode}
        disabled={!settingsWrite.allowed}
        aria-describedby="sending-mode-note"
        onChange={async (e) => {
          const result = await update({ input: { settings: { sending: { mode: e.target.value } }, idempotencyKey: crypto.randomUUID() } });
          setModeErrors(result.data?.tenantUpdateSettings.userErrors ?? []);
          refetch({ requestPolicy: "network-only" });
        }}
      >
        <option value="DRAFT_ONLY">Draft only</option>
        <option value="SEND_ALLOWED">Sending allowed</option>
      </select>
      <p id="sending-mode-note" className="hint">
        {settingsWrite.allowed ? "OWNER and ADMIN may change it." : settingsWrite.reason}
      </p>
      <FieldErrors errors={modeErrors} />
      {control.allowed ? (
        <button type="button" className={s.tenantKillSwitch ? "" : "danger"} onClick={() => setConfirming(true)}>
          {s.tenantKillSwitch ? "Release the kill switch…" : "Engage the kill switch…"}
        </button>
      ) : (
        <p className="permission-note">{control.reason}</p>
      )}
      {confirming && (
        <KillSwitchDialog
          engage={!s.tenantKillSwitch}
          onClose={(changed) => {
            setConfirming(false);
            if (changed) refetch({ requestPolicy: "network-only" });
          }}
        />
      )}
    </section>
  );
}

function KillSwitchDialog({ engage, onClose }: { engage: boolean; onClose: (changed: boolean) => void }) {
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const [state, run] = useMutation(KillSwitch);
  return (
    <Dialog title={engage ? "Stop all sending?" : "Allow sending again?"} onClose={() => onClose(false)}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const result = await run({ input: { engaged: engage, reason: reason || null, idempotencyKey: crypto.randomUUID() } });
          const userErrors = result.data?.sendingKillSwitchSet.userErrors ?? [];
          if (userErrors.length) setErrors(userErrors);
          else if (result.error) setErrors([{ field: [], message: result.error.message, code: "ERROR" }]);
          else onClose(true);
        }}
      >
        <p>
          {engage
            ? "Every queued draft is cancelled and nothing is sent until the switch is released. This is audited."
            : "Approved drafts can be sent again (within the sending mode). This is audited."}
        </p>
        <label htmlFor="kill-reason">Reason</label>
        <input id="kill-reason" value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
        <FieldErrors errors={errors} field="reason" />
        <FieldErrors errors={otherErrors(errors, ["reason"])} />
        <div className="actions">
          <button type="submit" className={engage ? "danger" : "primary"} disabled={state.fetching}>
            {engage ? "Yes, stop all sending" : "Yes, allow sending"}
          </button>
          <button type="button" onClick={() => onClose(false)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Quotas() {
  const [{ data: sending }] = useQuery({ query: SendingQuery });
  const settings = (sending?.tenant.settings ?? {}) as { quotas?: Record<string, { limit: number; windowHours: number }>; sending?: { mailboxes?: string[] } };
  const viewer = useViewer();
  const [mailbox, setMailbox] = useState(settings.sending?.mailboxes?.[0] ?? viewer.email);
  const [recipient, setRecipient] = useState("");
  const [asked, setAsked] = useState<{ mailbox: string; contactEmail: string } | null>(null);
  const [{ data, error, fetching }] = useQuery({ query: QuotaQuery, variables: asked ?? { mailbox: "", contactEmail: "" }, pause: !asked });
  return (
    <section aria-labelledby="quota-title" className="card">
      <h2 id="quota-title">Quotas</h2>
      <ul>
        {Object.entries(settings.quotas ?? {}).map(([kind, rule]) => (
          <li key={kind}>
            {kind}: {rule.limit} per {rule.windowHours} h
          </li>
        ))}
      </ul>
      <form className="stack" onSubmit={(e) => (e.preventDefault(), setAsked({ mailbox, contactEmail: recipient }))}>
        <label htmlFor="quota-mailbox">Sender mailbox</label>
        <input id="quota-mailbox" type="email" value={mailbox} onChange={(e) => setMailbox(e.target.value)} required />
        <label htmlFor="quota-recipient">Recipient</label>
        <input id="quota-recipient" type="email" value={recipient} onChange={(e) => setRecipient(e.target.value)} required />
        <button type="submit" disabled={fetching}>
          What binds now?
        </button>
      </form>
      {error && <ErrorState error={error} what="the quota" />}
      {data && (
        <p role="status">
          {data.sendQuota.allowed ? "One more message may go now." : `Held back until ${formatTime(data.sendQuota.availableAt)}.`}
          {data.sendQuota.binding &&
            ` Binding: ${data.sendQuota.binding.kind.toLowerCase()} ${data.sendQuota.binding.key}, ${data.sendQuota.binding.used} of ${data.sendQuota.binding.limit} used.`}
        </p>
      )}
    </section>
  );
}

function Members({ live }: { live: string | undefined }) {
  const read = useCan("MEMBER_READ");
  const manage = useCan("MEMBER_MANAGE");
  const [{ data, error }, refetch] = useQuery({ query: MembersQuery, pause: !read.allowed });
  useLive(read.allowed ? live : undefined, refetch);
  const [, change] = useMutation(ChangeRole);
  const [, add] = useMutation(AddMember);
  const [errors, setErrors] = useState<Record<string, UserErrorLike[]>>({});
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<MemberRole>("OPERATOR");
  if (!read.allowed)
    return (
      <section aria-labelledby="members-title" className="card">
        <h2 id="members-title">Members and roles</h2>
        <p className="permission-note">{read.reason}</p>
      </section>
    );
  return (
    <section aria-labelledby="members-title" className="card">
      <h2 id="members-title">Members and roles</h2>
      {error && !data ? (
        <ErrorState error={error} what="members" />
      ) : !data ? (
        <Loading what="members" />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
            </tr>
          </thead>
          <tbody>
            {data.memberships.edges.map(({ node: m }) => (
              <tr key={m.id}>
                <th scope="row">
                  {m.displayName} <span className="meta">{m.user.email}</span>
                </th>
                <td>
                  {manage.allowed && m.role !== "SERVICE" ? (
                    <>
                      <label className="sr-only" htmlFor={`role-${m.id}`}>
                        Role of {m.displayName}
                      </label>
                      <select
                        id={`role-${m.id}`}
                        value={m.role}
                        onChange={async (e) => {
                          const result = await change({ input: { membershipId: m.id, role: e.target.value as MemberRole, idempotencyKey: crypto.randomUUID() } });
                          setErrors((x) => ({ ...x, [m.id]: result.data?.membershipChangeRole.userErrors ?? [] }));
                          refetch({ requestPolicy: "network-only" });
                        }}
                      >
                        {ROLES.map((r) => (
                          <option key={r}>{r}</option>
                        ))}
                      </select>
                      <FieldErrors errors={errors[m.id]} />
                    </>
                  ) : (
                    m.role
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage.allowed ? (
        <form
          className="stack"
          onSubmit={async (e) => {
            e.preventDefault();
            const result = await add({ input: { email, role, idempotencyKey: crypto.randomUUID() } });
            const userErrors = result.data?.membershipAdd.userErrors ?? [];
            setErrors((x) => ({ ...x, add: userErrors }));
            if (!userErrors.length && !result.error) {
              setEmail("");
              refetch({ requestPolicy: "network-only" });
            }
          }}
        >
          <h3>Add a member</h3>
          <label htmlFor="member-email">E-mail</label>
          <input id="member-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
          <FieldErrors errors={errors.add} field="email" />
          <label htmlFor="member-role">Role</label>
          <select id="member-role" value={role} onChange={(e) => setRole(e.target.value as MemberRole)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
          <FieldErrors errors={errors.add} field="role" />
          <FieldErrors errors={otherErrors(errors.add, ["email", "role"])} />
          <button type="submit">Add</button>
        </form>
      ) : (
        <p className="permission-note">{manage.reason}</p>
      )}
    </section>
  );
}

function ApiKeys({ live }: { live: string | undefined }) {
  const manage = useCan("APIKEY_MANAGE");
  const [{ data, error }, refetch] = useQuery({ query: ApiKeysQuery, pause: !manage.allowed });
  useLive(manage.allowed ? live : undefined, refetch);
  const [, create] = useMutation(CreateKey);
  const [, revoke] = useMutation(RevokeKey);
  const [name, setName] = useState("");
  const [role, setRole] = useState<MemberRole>("ANALYST");
  const [secret, setSecret] = useState<string | null>(null);
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  return (
    <section aria-labelledby="keys-title" className="card">
      <h2 id="keys-title">API keys</h2>
      {!manage.allowed ? (
        <p className="permission-note">{manage.reason}</p>
      ) : error && !data ? (
        <ErrorState error={error} what="API keys" />
      ) : !data ? (
        <Loading what="API keys" />
      ) : (
        <>
          {data.apiKeys.edges.length === 0 ? (
            <Empty>No API keys.</Empty>
          ) : (
            <ul>
              {data.apiKeys.edges.map(({ node: k }) => (
                <li key={k.id}>
                  <strong>{k.name}</strong> <code>{k.prefix}…</code> {k.role} · {k.status.toLowerCase()} · last used {formatTime(k.lastUsedAt)}{" "}
                  {k.status === "ACTIVE" && (
                    <button type="button" onClick={() => void revoke({ input: { apiKeyId: k.id, idempotencyKey: crypto.randomUUID() } })}>
                      Revoke {k.name}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          <form
            className="stack"
            onSubmit={async (e) => {
              e.preventDefault();
              const result = await create({ input: { name, role, idempotencyKey: crypto.randomUUID() } });
              const out = result.data?.apiKeyCreate;
              setErrors(out?.userErrors ?? []);
              if (out?.secret) {
                setSecret(out.secret);
                setName("");
                refetch({ requestPolicy: "network-only" });
              }
            }}
          >
            <h3>Create a key</h3>
            <label htmlFor="key-name">Name</label>
            <input id="key-name" value={name} onChange={(e) => setName(e.target.value)} required />
            <FieldErrors errors={errors} field="name" />
            <label htmlFor="key-role">Role</label>
            <select id="key-role" value={role} onChange={(e) => setRole(e.target.value as MemberRole)}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
            <FieldErrors errors={errors} field="role" />
            <FieldErrors errors={otherErrors(errors, ["name", "role"])} />
            <button type="submit">Create</button>
          </form>
          {secret && (
            <Dialog title="The new key (shown once)" onClose={() => setSecret(null)}>
              <p>Copy it now: it is not shown again.</p>
              <pre className="secret">{secret}</pre>
              <button type="button" onClick={() => setSecret(null)}>
                Done
              </button>
            </Dialog>
          )}
        </>
      )}
    </section>
  );
}

function Audit({ live }: { live: string | undefined }) {
  const read = useCan("AUDIT_READ");
  const [action, setAction] = useState("");
  const [applied, setApplied] = useState("");
  const [{ data, error }, refetch] = useQuery({ query: AuditQuery, variables: { filter: applied ? { action: applied } : null }, pause: !read.allowed });
  useLive(read.allowed ? live : undefined, refetch);
  return (
    <section aria-labelledby="audit-title" className="card audit">
      <h2 id="audit-title">Audit log</h2>
      {!read.allowed ? (
        <p className="permission-note">{read.reason}</p>
      ) : (
        <>
          <form className="inline" onSubmit={(e) => (e.preventDefault(), setApplied(action.trim()))}>
            <label htmlFor="audit-action">Action (exact, or a prefix ending in “.”)</label>
            <input id="audit-action" value={action} onChange={(e) => setAction(e.target.value)} placeholder="sending." />
            <button type="submit">Filter</button>
          </form>
          {error && !data ? (
            <ErrorState error={error} what="the audit log" />
          ) : !data ? (
            <Loading what="the audit log" />
          ) : data.auditEntries.edges.length === 0 ? (
            <Empty>No entries.</Empty>
          ) : (
            <table data-testid="audit-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">On</th>
                </tr>
              </thead>
              <tbody>
                {data.auditEntries.edges.map(({ node: a }) => (
                  <tr key={a.id}>
                    <td>{formatTime(a.createdAt)}</td>
                    <td>{a.actorLabel ?? a.actorType.toLowerCase()}</td>
                    <td>{a.action}</td>
                    <td>{a.targetType ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
