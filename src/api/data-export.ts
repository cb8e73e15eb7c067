// GET /exports/:token — the one-time download of a data export. The token is
// signed (src/domain/governance/export-token.ts); forged or unknown: 404;
// already downloaded or expired: 410. The archive is deleted as it is handed out.
import express, { type Request, type Response, type Router } from "express";
import { downloadDataExport } from "../orchestration/governance/data-export.js";
import type { Services } from "../orchestration/services.js";

const HEADERS = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex", "X-Content-Type-Options": "nosniff" };

export function dataExportRouter(services: Services): Router {
  const router = express.Router();
  router.get("/exports/:token", async (req: Request, res: Response) => {
    const meta = res.locals.meta as { requestId?: string } | undefined;
    const result = await downloadDataExport(services, String(req.params.token), { requestId: meta?.requestId });
    if (result.status !== 200) {
      const message = result.status === 410 ? "This export link was already used or has expired. Request a new export." : "This export link is not valid.";
      return res.status(result.status).set({ ...HEADERS, "Content-Type": "text/plain; charset=utf-8" }).send(message);
    }
    res
      .status(200)
      .set({
        ...HEADERS,
        "Content-Type": "application/gzip",
        "Content-Disposition": `attachment; filename="export-${result.dataExportId}.jsonl.gz"`,
      })
      .send(result.archive);
  });
  return router;
}
