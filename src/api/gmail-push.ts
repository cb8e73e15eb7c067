// POST /hooks/gmail/push: Gmail push notifications through a Cloud Pub/Sub
// push subscription with OIDC authentication. No bearer token of ours: the
// request carries Google's signed ID token for the subscription's service
// account, verified (src/integrations/google/push.ts) before anything else;
// forged, expired, wrong-audience or wrong-account tokens get 401 and nothing
// is queued. A valid notification queues an incremental sync of that mailbox
// and is acknowledged with 204 (also when no connection has that mailbox, so
// Pub/Sub does not redeliver it forever). Without GMAIL_PUSH_AUDIENCE the
// route answers 404: push is off, polling does the work.
import express, { type Request, type Response, type Router } from "express";
import { createPushVerifier, parseGmailPush } from "../integrations/google/push.js";
import { enqueueGmailSyncsForPush } from "../orchestration/connection/gmail-sync.js";
import { wakeGmailSyncWorkers } from "../jobs/gmail-sync.js";
import type { Services } from "../orchestration/services.js";

export function gmailPushRouter(services: Services): Router {
  const router = express.Router();
  const { config, logger } = services;
  const verifier =
    config.GMAIL_PUSH_AUDIENCE && config.GMAIL_PUSH_SERVICE_ACCOUNT
      ? createPushVerifier({ audience: config.GMAIL_PUSH_AUDIENCE, serviceAccountEmail: config.GMAIL_PUSH_SERVICE_ACCOUNT, certsUrl: config.GMAIL_PUSH_CERTS_URL })
      : null;
  router.post("/hooks/gmail/push", async (req: Request, res: Response) => {
    res.set("Cache-Control", "no-store");
    if (!verifier) return res.status(404).json({ error: "push notifications are not enabled" });
    let verdict;
    try {
      verdict = await verifier.verify(req.headers.authorization);
    } catch {
      // Google's certificates could not be fetched: Pub/Sub retries later.
      return res.status(503).json({ error: "cannot verify now" });
    }
    if (!verdict.ok) {
      logger.warn({ reason: verdict.reason }, "Gmail push refused");
      return res.status(401).set("WWW-Authenticate", 'Bearer error="invalid_token"').json({ error: "unauthorized" });
    }
    // Only now is the body read (bounded).
    express.json({ limit: "64kb" })(req, res, async (error?: unknown) => {
      if (error) return res.status(400).json({ error: "invalid body" });
      const notification = parseGmailPush(req.body);
      if (!notification) return res.status(400).json({ error: "not a Gmail notification" });
      try {
        const queued = await enqueueGmailSyncsForPush(services, notification);
        // The sync is queued (committed): this instance's idle sync workers take it now, not at their next poll.
        if (queued) wakeGmailSyncWorkers(services.jobs.boss);
        logger.info({ gmailPush: { historyId: notification.historyId, messageId: notification.messageId, queued } }, "Gmail push received");
        res.status(204).end();
      } catch (e) {
        logger.error({ err: e instanceof Error ? { name: e.name } : undefined }, "Gmail push could not be queued");
        res.status(503).json({ error: "try again" });
      }
    });
  });
  return router;
}
