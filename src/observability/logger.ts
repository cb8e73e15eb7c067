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
      serializers: { err: serializeError },
    },
    destination,
  );
}

/** Errors as log fields, whatever was thrown (not every thrown value is an Error). */
export function serializeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      type: err.name,
      message: redactText(String(err.message ?? "")),
      ...(code !== undefined ? { code: String(code) } : {}),
      stack: err.stack ? redactText(err.stack) : undefined,
    };
  }
  return { type: typeof err, message: redactText(String(err)) };
}
