// The public inbound webhook routes (no bearer token: the unguessable id in
// the path names the endpoint, the signature proves the sender):
//   POST /hooks/hubspot/:endpointId  HubSpot webhooks, signature v3
//   POST /hooks/in/:endpointId       anything else, X-Webhook-Timestamp / X-Webhook-Signature / X-Webhook-Id
// The body is read raw (size-limited: 413) and verified before anything is
// parsed or stored. Unknown endpoint → 404, missing or wrong signature or a
// stale timestamp → 401, each with a short plain-text body and nothing stored
// but a counter (inbound_webhook_requests_total). A verified delivery is
// stored with its job and answered 200 at once; a replay is answered 200 too
// and ignored. Request URLs are not logged (the id is the endpoint's address).
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { InboundWebhookKind } from "../domain/inbound/inbound-webhook.js";
import { wakeInboundWebhookWorkers } from "../jobs/inbound-webhook.js";
import { receiveInboundWebhook } from "../orchestration/inbound/inbound-webhook.js";
import type { Services } from "../orchestration/services.js";

function plain(res: Response, status: number, text: string) {
  res.status(status).set({ "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }).send(text);
}

export function inboundWebhookRouter(services: Services): Router {
  const router = express.Router();
  const { config, metrics, logger } = services;
  const raw = express.raw({ type: () => true, limit: config.INBOUND_WEBHOOK_MAX_BODY_BYTES });

  const handle = (kind: InboundWebhookKind) => async (req: Request, res: Response) => {
    const label = kind === "HUBSPOT" ? "hubspot" : "generic";
    const count = (outcome: string) => metrics.inboundWebhookRequests.inc({ kind: label, outcome });
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const path = req.originalUrl;
    const urls = [
      ...(config.PUBLIC_URL ? [`${config.PUBLIC_URL.replace(/\/$/, "")}${path}`] : []),
      ...(services.mail?.publicUrl ? [`${services.mail.publicUrl.replace(/\/$/, "")}${path}`] : []),
      ...(req.headers.host ? [`https://${req.headers.host}${path}`, `http://${req.headers.host}${path}`] : []),
    ];
    try {
      const outcome = await receiveInboundWebhook(
        services,
        { kind, publicId: String(req.params.endpointId ?? ""), method: req.method, urls, headers: req.headers, body },
        () => wakeInboundWebhookWorkers(services.jobs.boss),
      );
      switch (outcome.status) {
        case "ACCEPTED":
          count("accepted");
          return res.status(200).json({ received: true, duplicate: false });
        case "DUPLICATE":
          count("duplicate");
          return res.status(200).json({ received: true, duplicate: true });
        case "UNKNOWN_ENDPOINT":
          count("unknown_endpoint");
          return plain(res, 404, "Not found.");
        case "REFUSED":
          count(outcome.reason.toLowerCase());
          return plain(res, 401, outcome.reason === "STALE" ? "Timestamp outside the allowed window." : "Signature missing or not valid.");
        case "NOT_TEXT":
          count("not_text");
          return plain(res, 400, "The body must be UTF-8 text.");
      }
    } catch (error) {
      count("error");
      logger.error({ err: error instanceof Error ? { name: error.name, message: error.message } : undefined, kind: label }, "inbound webhook could not be stored");
      return plain(res, 500, "Not stored; try again.");
    }
  };

  // Body parser errors (too large, aborted) answered here, in plain text, counted; nothing stored.
  const bodyErrors = (kind: InboundWebhookKind) => (error: { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (!error) return next();
    const label = kind === "HUBSPOT" ? "hubspot" : "generic";
    if (error.type === "entity.too.large" || error.status === 413) {
      metrics.inboundWebhookRequests.inc({ kind: label, outcome: "too_large" });
      return plain(res, 413, `The body is larger than ${config.INBOUND_WEBHOOK_MAX_BODY_BYTES} bytes.`);
    }
    metrics.inboundWebhookRequests.inc({ kind: label, outcome: "bad_request" });
    return plain(res, error.status && error.status >= 400 && error.status < 500 ? error.status : 400, "Bad request.");
  };

  router.post("/hooks/hubspot/:endpointId", raw, bodyErrors("HUBSPOT"), handle("HUBSPOT"));
  router.post("/hooks/in/:endpointId", raw, bodyErrors("GENERIC"), handle("GENERIC"));
  return router;
}
