// The public unsubscribe pages: GET /unsubscribe/:token shows a confirmation
// page (link scanners that follow every URL unsubscribe nobody), POST
// unsubscribes — our own form, or a mail client's RFC 8058 one-click POST
// ("List-Unsubscribe=One-Click"). An invalid link gets the same 404 page
// whatever is wrong with it.
import express, { type Request, type Response, type Router } from "express";
import { confirmUnsubscribe, describeUnsubscribe } from "../orchestration/sending/unsubscribe.js";
import type { Services } from "../orchestration/services.js";

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.6rem 1.2rem;cursor:pointer}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function send(res: Response, status: number, html: string) {
  res
    .status(status)
    .set({
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
      "X-Robots-Tag": "noindex",
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    })
    .send(html);
}

const INVALID = page("Link not valid", "<p>This unsubscribe link is not valid. Please use the link from the e-mail you received.</p>");

export function unsubscribeRouter(services: Services): Router {
  const router = express.Router();
  router.get("/unsubscribe/:token", async (req: Request, res: Response) => {
    const view = await describeUnsubscribe(services, String(req.params.token));
    if (!view) return send(res, 404, INVALID);
    if (view.alreadyUnsubscribed) {
      return send(res, 200, page("You are unsubscribed", `<p>${escapeHtml(view.maskedEmail)} will not receive further e-mails from us.</p>`));
    }
    return send(
      res,
      200,
      page(
        "Unsubscribe?",
        `<p>Stop e-mails to <strong>${escapeHtml(view.maskedEmail)}</strong>?</p>
<form method="post"><input type="hidden" name="confirm" value="yes"><button type="submit">Unsubscribe</button></form>`,
      ),
    );
  });
  router.post("/unsubscribe/:token", express.urlencoded({ extended: false, limit: "4kb" }), async (req: Request, res: Response) => {
    const meta = res.locals.meta as { requestId?: string } | undefined;
    const view = await confirmUnsubscribe(services, String(req.params.token), { requestId: meta?.requestId });
    if (!view) return send(res, 404, INVALID);
    return send(res, 200, page("You are unsubscribed", `<p>${escapeHtml(view.maskedEmail)} will not receive further e-mails from us.</p>`));
  });
  return router;
}
