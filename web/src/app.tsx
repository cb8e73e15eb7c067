// The console shell: sign-in (a token kept in sessionStorage), the `me` query
// (role and permissions), navigation and the screens.
import { lazy, Suspense, useEffect, useMemo, useState, type FormEvent } from "react";
import { Provider, useQuery } from "urql";
import { normaliseToken, storedToken, storeToken } from "./auth";
import { createConsoleClient } from "./client";
import { graphql } from "./gql";
import { useCan, useViewer, ViewerProvider, type Viewer } from "./permissions";
import { Link, navigate, usePath } from "./router";
import { ErrorState, Loading } from "./ui";
import { ReviewQueue } from "./features/review/ReviewQueue";

const Reports = lazy(() => import("./features/reports/Reports"));
const Recommendations = lazy(() => import("./features/recommendations/Recommendations"));
const Leads = lazy(() => import("./features/leads/Leads"));
const LeadPage = lazy(() => import("./features/leads/LeadPage"));
const Settings = lazy(() => import("./features/settings/Settings"));

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

export function App() {
  const [token, setToken] = useState<string | null>(() => storedToken());
  const signOut = () => {
    storeToken(null);
    setToken(null);
  };
  const session = useMemo(() => (token ? createConsoleClient(token, signOut) : null), [token]);
  useEffect(() => () => session?.dispose(), [session]);
  if (!token || !session) return <SignIn onToken={(t) => (storeToken(t), setToken(t))} />;
  return (
    <Provider value={session.client}>
      <Session onSignOut={signOut} />
    </Provider>
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
      <p className="hint">Single sign-on with your identity provider (OIDC with PKCE) is not available in the console yet.</p>
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
  if (path.startsWith("/settings")) return <Settings />;
  return <p>Not found. <Link to="/queue">Go to the review queue</Link>.</p>;
}
