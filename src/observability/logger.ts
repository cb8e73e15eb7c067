// JSON logs (pino). Every line carries the request and trace id of the
// request it belongs to; e-mail addresses, tokens and secrets are redacted
// before anything is written.
import { pino, type Logger } from "pino";
import { redact, redactText } from "../domain/redaction.js";
import { currentRequestContext } from "./request-context.js";

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "sales-agent" },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin() {
        const ctx = currentRequestContext();
        return ctx ? { requestId: ctx.requestId, traceId: ctx.traceId ?? undefined, tenantId: ctx.tenantId } : {};
      },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redact(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === "string" ? redactText(a) : a)) as Parameters<typeof method>;
          return method.apply(this, masked);
        },
      },
      serializers: {
        err: (err: Error) => ({ type: err.name, message: redactText(err.message), stack: err.stack }),
      },
    },
    destination,
  );
}
