// The operator console: the single-page app built from web/ (scripts/console-build.mjs,
// run by `npm start` when the build is missing or stale) served at /. Hashed assets
// are cached for a year; index.html is never cached and answers the console's own
// routes (/queue, /leads/…) so a reload or a shared link opens the same screen.
// The console talks to the public /graphql endpoint only. Its CSP lets forms go
// to this origin and to the identity provider's end-session endpoint only (the
// sign-out form that ends the provider session: RP-initiated logout by POST).
import { existsSync } from "node:fs";
import path from "node:path";
import express, { type Router } from "express";
import { projectPath } from "../config/project-path.js";

export const CONSOLE_DIST = projectPath("web", "dist");

/** Client-side routes of the console; anything else falls through to the 404. */
const ROUTES = /^\/(?:|queue|reports|recommendations|leads(?:\/[A-Za-z0-9_=-]+)?|settings(?:\/[a-z-]+)?|pipeline|sequences(?:\/[A-Za-z0-9_=-]+)?|campaigns(?:\/[A-Za-z0-9_=-]+)?|auth\/callback|invitations\/accept)\/?$/;

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sales Agent</title></head>
<body><main><h1>The console is not built</h1><p>Run <code>npm run console:build</code> (or restart with <code>npm start</code>, which builds it).
GraphQL is at <a href="/graphql">/graphql</a>, GraphiQL at <a href="/graphiql">/graphiql</a>.</p></main></body></html>`;

/** `formOrigins`: where else a form may go (the identity provider's end-session endpoint); empty when there is none or it cannot be reached. */
export function consoleRouter(dist: string = CONSOLE_DIST, formOrigins: () => Promise<string[]> = async () => []): Router {
  const router = express.Router();
  const index = path.join(dist, "index.html");
  router.use("/assets", express.static(path.join(dist, "assets"), { index: false, fallthrough: false, maxAge: "365d", immutable: true }));
  router.get(ROUTES, async (_req, res) => {
    const origins = await formOrigins().catch(() => []);
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    // Everything is bundled: no CDN, no inline script.
    res.setHeader(
      "Content-Security-Policy",
      `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action ${["'self'", ...origins].join(" ")}`,
    );
    if (!existsSync(index)) return void res.status(503).type("html").send(NOT_BUILT);
    res.sendFile(index);
  });
  return router;
}
