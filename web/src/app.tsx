// The console shell: sign-in (a token kept in sessionStorage, refreshed before
// it expires: session.ts), the `me` query (role and permissions), navigation
// and the screens.
import { lazy, Suspense, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Provider, useQuery } from "urql";
import { normaliseToken, storedToken, storeToken } from "./auth";
import { CALLBACK_PATH, completeSignIn, signInOptions, startSignIn, type OidcSettings, type Workspace } from "./oidc";
import { createConsoleClient } from "./client";
import { graphql } from "./gql";
import { useCan, useViewer, ViewerProvider, type Viewer } from "./permissions";
import { Link, navigate, usePath } from "./router";
import { ErrorState, Loading } from "./ui";
import { ReviewQueue } from "./features/review/ReviewQueue";
import { providerSession, refreshDelayMs, refreshSession, signOutAtProvider, storeProviderSession, tokenTimes } from "./session";

const Reports = lazy(() => import("./features/reports/Reports"));
const Recommendations = lazy(() => import("./features/recommendations/Recommendations"));
const Leads = lazy(() => import("./features/leads/Leads"));
const LeadPage = lazy(() => import("./features/leads/LeadPage"));
const Settings = lazy(() => import("./features/settings/Settings"));
const Pipeline = lazy(() => import("./features/pipeline/Pipeline"));
const Sequences = lazy(() => import("./features/sequences/Sequences"));
const Campaigns = lazy(() => import("./features/campaigns/Campaigns"));

const MeQuery = graphql(`
  query ConsoleMe {
    me {
      role
      permissions
      kind
      user { id name email }
      tenant { id name }
    }
  }
`);

const MAX_TIMER_MS = 2 ** 31 - 1;

export function App() {
  // `token` is the sign-in (a new one builds a new client); `current` follows refreshes without re-rendering anything.
  const [token, setToken] = useState<string | null>(() => storedToken());
  const current = useRef<string | null>(token);
  const [notice, setNotice] = useState<string | null>(null);
  const leave = () => {
    storeToken(null);
    current.current = null;
    setNotice(null);
    setToken(null);
  };
  /** The person's sign-out: after single sign-on it ends the provider session too. */
  const signOut = () => {
    const provider = providerSession();
    storeProviderSession(null);
    leave();
    if (provider) signOutAtProvider(provider);
  };
  const session = useMemo(() => (token ? createConsoleClient(() => current.current ?? "", leave) : null), [token]);
  useEffect(() => () => session?.dispose(), [session]);
  useEffect(() => {
    if (!session) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const plan = () => {
      const times = current.current ? tokenTimes(current.current) : null;
      if (!times || stopped) return;
      // setTimeout cannot wait longer than ~24.8 days (a long demo token): look again then.
      const delay = refreshDelayMs(times);
      if (delay > MAX_TIMER_MS) return void (timer = setTimeout(plan, MAX_TIMER_MS));
      timer = setTimeout(async () => {
        const outcome = await refreshSession(current.current ?? "");
        if (stopped) return;
        if ("token" in outcome) {
          current.current = outcome.token;
          storeToken(outcome.token);
          // The socket authenticated with the old token: reconnect it with the new one (subscriptions resume).
          session.ws.terminate();
          return plan();
        }
        if ("ended" in outcome) {
          const exp = tokenTimes(current.current ?? "")?.exp;
          return setNotice(`${outcome.ended} Your session ends at ${exp ? new Date(exp * 1000).toLocaleTimeString() : "any moment"}: save your work.`);
        }
        timer = setTimeout(plan, 30_000);
      }, delay);
    };
    plan();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [session]);
  const signIn = (t: string) => {
    storeToken(t);
    current.current = t;
    setToken(t);
  };
  if (location.pathname === CALLBACK_PATH) return <SignInCallback onToken={signIn} />;
  if (location.pathname === INVITATION_PATH) return <AcceptInvitation onToken={signIn} />;
  if (!token || !session) return <SignIn onToken={signIn} />;
  return (
    <>
      {notice && (
        <p className="banner session-notice" role="alert" data-testid="session-notice">
          {notice}
        </p>
      )}
      <Provider value={session.client}>
        <Session onSignOut={signOut} />
      </Provider>
    </>
  );
}

function SignIn({ onToken, problem }: { onToken: (token: string) => void; problem?: string }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(problem ?? null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const token = normaliseToken(text);
    if (!token) return setError("Paste a token first.");
    // Check it before keeping it.
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "query ConsoleSignInCheck { me { role } }" }),
    }).catch(() => null);
    if (!response) return setError("The service cannot be reached.");
    const body = (await response.json().catch(() => ({}))) as { data?: { me?: { role: string } }; errors?: { message: string }[] };
    if (!body.data?.me) return setError(body.errors?.[0]?.message ?? "That token was not accepted.");
    // A pasted token is no provider session: signing out stays here.
    storeProviderSession(null);
    onToken(token);
  };
  return (
    <main className="sign-in">
      <h1>Sales Agent console</h1>
      <form onSubmit={submit}>
        <label htmlFor="token">Access token</label>
        <p id="token-help" className="hint">
          Paste one of the demo tokens that <code>npm start</code> printed (the whole line or just the token). It is kept in this tab only
          (sessionStorage) and never put in the address.
        </p>
        <textarea id="token" rows={4} value={text} onChange={(e) => setText(e.target.value)} aria-describedby="token-help token-error" autoComplete="off" spellCheck={false} />
        {error && (
          <p className="field-errors" role="alert" id="token-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
      <SingleSignOn />
    </main>
  );
}

/** "Sign in with your identity provider" when the service has one configured (OIDC, authorization code + PKCE). */
function SingleSignOn() {
  const [options, setOptions] = useState<{ oidc: OidcSettings | null; problem: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    signInOptions().then(setOptions, () => setOptions({ oidc: null, problem: null }));
  }, []);
  if (!options) return null;
  if (!options.oidc) return options.problem ? <p className="hint">Single sign-on is configured but unavailable: {options.problem}</p> : null;
  const settings = options.oidc;
  return (
    <section aria-labelledby="sso-heading" className="sso">
      <h2 id="sso-heading">Single sign-on</h2>
      <button type="button" className="primary" onClick={() => startSignIn(settings).catch((e: Error) => setError(e.message))}>
        Sign in with your identity provider
      </button>
      {error && (
        <p className="field-errors" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** Where the identity provider sends the browser back: completes the sign-in, then offers the workspaces. */
function SignInCallback({ onToken }: { onToken: (token: string) => void }) {
  const [outcome, setOutcome] = useState<{ workspaces: Workspace[] } | { error: string } | null>(null);
  useEffect(() => {
    let done = false;
    completeSignIn().then((result) => {
      if (done) return;
      if ("workspaces" in result && result.workspaces.length === 1) return onToken(result.workspaces[0]!.token);
      setOutcome(result);
    });
    return () => void (done = true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  if (!outcome) return <Loading what="your sign-in" />;
  if ("error" in outcome) {
    return (
      <main className="sign-in">
        <h1>Sign-in did not complete</h1>
        <p role="alert">{outcome.error}</p>
        <a href="/">Back to sign-in</a>
      </main>
    );
  }
  return (
    <main className="sign-in">
      <h1>Choose a workspace</h1>
      <ul className="workspaces">
        {outcome.workspaces.map((w) => (
          <li key={w.tenantId}>
            <button type="button" onClick={() => onToken(w.token)}>
              {w.tenantName} · {w.role}
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}

const INVITATION_PATH = "/invitations/accept";

/** The link in an invitation: /invitations/accept#token=inv_… (a fragment, so the token never reaches a server log). */
function AcceptInvitation({ onToken }: { onToken: (token: string) => void }) {
  const [token] = useState(() => new URLSearchParams(location.hash.replace(/^#/, "")).get("token") ?? "");
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | null>(token ? null : "This link carries no invitation. Open the link from the invitation again.");
  const [accepted, setAccepted] = useState(false);
  useEffect(() => history.replaceState(null, "", INVITATION_PATH), []);
  const accept = async (event: FormEvent) => {
    event.preventDefault();
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: "mutation ConsoleAcceptInvitation($input: InvitationAcceptInput!) { invitationAccept(input: $input) { signInToken userErrors { code message } } }",
        variables: { input: { token, ...(name.trim() ? { name: name.trim() } : {}) } },
      }),
    }).catch(() => null);
    const body = (await response?.json().catch(() => null)) as { data?: { invitationAccept: { signInToken: string | null; userErrors: { message: string }[] } } } | null;
    const result = body?.data?.invitationAccept;
    if (!result) return setProblem("The service cannot be reached.");
    if (result.userErrors.length) return setProblem(result.userErrors[0]!.message);
    setAccepted(true);
    history.replaceState(null, "", "/");
    if (result.signInToken) onToken(result.signInToken);
  };
  if (accepted) {
    return (
      <main className="sign-in">
        <h1>Invitation accepted</h1>
        <p>
          You are a member now. <a href="/">Sign in</a> with your identity provider.
        </p>
      </main>
    );
  }
  return (
    <main className="sign-in">
      <h1>Join the workspace</h1>
      <form onSubmit={accept}>
        <label htmlFor="invitee-name">Your name, as your colleagues will see it</label>
        <input id="invitee-name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
        {problem && (
          <p className="field-errors" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" className="primary" disabled={!token}>
          Accept the invitation
        </button>
      </form>
    </main>
  );
}

function Session({ onSignOut }: { onSignOut: () => void }) {
  const [{ data, error }] = useQuery({ query: MeQuery, requestPolicy: "network-only" });
  if (error && !data) {
    return (
      <main className="sign-in">
        <ErrorState error={error} what="your account" />
        <button type="button" onClick={onSignOut}>
          Sign in again
        </button>
      </main>
    );
  }
  if (!data) return <Loading what="your account" />;
  const viewer: Viewer = {
    role: data.me.role,
    permissions: data.me.permissions,
    name: data.me.user?.name ?? "API key",
    email: data.me.user?.email ?? "",
    tenantName: data.me.tenant.name,
  };
  return (
    <ViewerProvider viewer={viewer}>
      <Shell onSignOut={onSignOut} />
    </ViewerProvider>
  );
}

const SCREENS = [
  { path: "/queue", label: "Review queue", permission: "DRAFT_READ" },
  { path: "/recommendations", label: "Recommendations", permission: "LEAD_READ" },
  { path: "/leads", label: "Leads", permission: "LEAD_READ" },
  { path: "/pipeline", label: "Pipeline", permission: "DEAL_READ" },
  { path: "/sequences", label: "Sequences", permission: "SEQUENCE_READ" },
  { path: "/campaigns", label: "Campaigns", permission: "CAMPAIGN_READ" },
  { path: "/reports", label: "Reports", permission: "REPORT_READ" },
  { path: "/settings", label: "Settings and safety", permission: "TENANT_READ" },
] as const;

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const path = usePath();
  useEffect(() => {
    if (path === "/") navigate("/queue");
  }, [path]);
  const current = SCREENS.find((s) => path === s.path || path.startsWith(`${s.path}/`));
  useEffect(() => {
    document.title = `${current?.label ?? "Console"} · Sales Agent`;
  }, [current]);
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Sales Agent</span>
        <nav aria-label="Screens">
          <ul>
            {SCREENS.map((s) => (
              <NavItem key={s.path} screen={s} active={current?.path === s.path} />
            ))}
          </ul>
        </nav>
        <Who onSignOut={onSignOut} />
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading what="the screen" />}>
          <Screen path={path} />
        </Suspense>
      </main>
    </div>
  );
}

function NavItem({ screen, active }: { screen: (typeof SCREENS)[number]; active: boolean }) {
  const can = useCan(screen.permission);
  if (!can.allowed) return null;
  return (
    <li>
      <Link to={screen.path} aria-current={active ? "page" : undefined}>
        {screen.label}
      </Link>
    </li>
  );
}

function Who({ onSignOut }: { onSignOut: () => void }) {
  const viewer = useViewer();
  return (
    <div className="who">
      <span data-testid="who">
        {viewer.name} · <strong>{viewer.role}</strong> · {viewer.tenantName}
      </span>
      <button type="button" onClick={onSignOut}>
        Sign out
      </button>
    </div>
  );
}

function Screen({ path }: { path: string }) {
  if (path === "/" || path.startsWith("/queue")) return <ReviewQueue />;
  if (path.startsWith("/reports")) return <Reports />;
  if (path.startsWith("/recommendations")) return <Recommendations />;
  if (/^\/leads\/[^/]+/.test(path)) return <LeadPage id={decodeURIComponent(path.split("/")[2]!)} />;
  if (path.startsWith("/leads")) return <Leads />;
  if (path.startsWith("/pipeline")) return <Pipeline />;
  if (path.startsWith("/settings")) return <Settings />;
  if (/^\/sequences\/[^/]+/.test(path)) return <Sequences id={decodeURIComponent(path.split("/")[2]!)} />;
  if (path.startsWith("/sequences")) return <Sequences />;
  if (/^\/campaigns\/[^/]+/.test(path)) return <Campaigns id={decodeURIComponent(path.split("/")[2]!)} />;
  if (path.startsWith("/campaigns")) return <Campaigns />;
  return <p>Not found. <Link to="/queue">Go to the review queue</Link>.</p>;
}
