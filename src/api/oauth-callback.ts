// The public OAuth redirect target: GET /oauth/callback?code=…&state=… (or
// ?error=…). No bearer token: the signed, single-use state names tenant and
// user. Answers with a small HTML page; nothing secret is ever shown, and the
// code/state never reach the log (request URLs are not logged here).
import express, { type Request, type Response, type Router } from "express";
import { completeConnection, withConnectors } from "../orchestration/connection/connection.js";
import type { Services } from "../orchestration/services.js";

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function send(res: Response, status: number, html: string) {
  res
    .status(status)
    .set({
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      // The URL carries the code and state: never pass it on as a referrer.
      "Referrer-Policy": "no-referrer",
      "X-Robots-Tag": "noindex",
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    })
    .send(html);
}

const PROVIDER_NAME: Record<string, string> = { GOOGLE: "Google", HUBSPOT: "HubSpot" };

export function oauthCallbackRouter(services: Services): Router {
  const router = express.Router();
  router.get("/oauth/callback", async (req: Request, res: Response) => {
    const meta = res.locals.meta as { requestId?: string } | undefined;
    const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
    try {
      const result = await completeConnection(
        withConnectors(services),
        { state: first(req.query.state), code: first(req.query.code), error: first(req.query.error) },
        { requestId: meta?.requestId },
      );
      if (result.ok) {
        return send(
          res,
          200,
          page(
            "Account connected",
            `<p>${escapeHtml(result.accountEmail)} is now connected to ${escapeHtml(PROVIDER_NAME[result.provider] ?? result.provider)}. You can close this window.</p>`,
          ),
        );
      }
      const status = result.reason === "PROVIDER_ERROR" ? 502 : result.reason === "DENIED" ? 200 : 400;
      return send(res, status, page("Not connected", `<p>${escapeHtml(result.message)}</p>`));
    } catch (error) {
      services.logger.error({ err: error instanceof Error ? { name: error.name } : undefined }, "OAuth callback failed");
      return send(res, 500, page("Not connected", `<p>Something went wrong. Try again; request id ${escapeHtml(meta?.requestId ?? "")}.</p>`));
    }
  });
  return router;
}
