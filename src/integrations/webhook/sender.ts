// Sends one signed webhook (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
// `webhook-signature`, signed with the `standardwebhooks` package). One attempt,
// no retries here (the delivery job schedules them), no redirects followed (a 3xx
// is a failed attempt), connect + total timeout, the response body read up to a
// cap and only a 1 KB prefix kept. Connects only to addresses the address policy
// checked (address-policy.ts), through the request's own `lookup`.
import http from "node:http";
import https from "node:https";
import { Webhook } from "standardwebhooks";
import { WEBHOOK_RESPONSE_PREFIX_BYTES } from "../../domain/connection/webhook.js";
import { checkLiteralHost, guardedLookup, WebhookAddressError, type AddressPolicy, type LookupAll } from "./address-policy.js";

/** Read at most this much of a response before closing it. */
const MAX_RESPONSE_READ_BYTES = 64 * 1024;

/** The `webhook-signature` header: one `v1,<base64>` per secret, space-separated (Standard Webhooks allows several during a rotation). */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: Date, body: string): string {
  return secrets.map((s) => new Webhook(s).sign(id, timestamp, body)).join(" ");
}

export interface WebhookRequest {
  url: string;
  /** The event id (`webhook-id`), stable across attempts. */
  id: string;
  body: string;
  secrets: readonly string[];
  /** Signing time (`webhook-timestamp`); default now. */
  timestamp?: Date;
}

export interface WebhookSenderOptions extends AddressPolicy {
  timeoutMs: number;
  /** Name resolution (tests point a name at an address without touching DNS). */
  resolve?: LookupAll;
  userAgent?: string;
}

export interface WebhookAttempt {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  /** Why it failed (no secrets, no body). */
  error: string | null;
  /** At most 1 KB of the response body. */
  responseBody: string | null;
}

export async function sendWebhook(request: WebhookRequest, options: WebhookSenderOptions): Promise<WebhookAttempt> {
  const started = performance.now();
  const finish = (partial: Omit<WebhookAttempt, "latencyMs">): WebhookAttempt => ({
    ...partial,
    latencyMs: Math.round(performance.now() - started),
  });
  let url: URL;
  try {
    url = new URL(request.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new WebhookAddressError("only http and https are allowed");
    checkLiteralHost(options, url.hostname);
  } catch (error) {
    return finish({ ok: false, status: null, error: errorText(error), responseBody: null });
  }
  const timestamp = request.timestamp ?? new Date();
  const headers = {
    "content-type": "application/json",
    "user-agent": options.userAgent ?? "sales-agent-webhooks/1",
    "webhook-id": request.id,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": signatureHeader(request.secrets, request.id, timestamp, request.body),
  };
  const transport = url.protocol === "https:" ? https : http;
  return new Promise<WebhookAttempt>((resolve) => {
    let settled = false;
    const done = (attempt: Omit<WebhookAttempt, "latencyMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(finish(attempt));
    };
    const req = transport.request(
      url,
      {
        method: "POST",
        headers,
        lookup: guardedLookup(options, options.resolve),
        // A fresh connection per attempt: a pooled socket would skip the address check.
        agent: false,
        timeout: options.timeoutMs,
      },
      (res) => {
        const status = res.statusCode ?? null;
        const chunks: Buffer[] = [];
        let read = 0;
        res.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read <= MAX_RESPONSE_READ_BYTES) chunks.push(chunk);
          else res.destroy();
        });
        const complete = () => {
          const body = Buffer.concat(chunks).subarray(0, WEBHOOK_RESPONSE_PREFIX_BYTES).toString("utf8");
          const delivered = status !== null && status >= 200 && status < 300;
          const error = delivered
            ? null
            : status !== null && status >= 300 && status < 400
              ? `redirect (HTTP ${status}) not followed`
              : `HTTP ${status}`;
          done({ ok: delivered, status, error, responseBody: body || null });
        };
        res.on("end", complete);
        res.on("close", complete);
        res.on("error", complete);
      },
    );
    // Total time of the attempt (connect, send, headers and body); `timeout` above covers an idle socket.
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on("timeout", () => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)));
    req.on("error", (error) => done({ ok: false, status: null, error: errorText(error), responseBody: null }));
    req.end(request.body);
  });
}

function errorText(error: unknown): string {
  if (error instanceof WebhookAddressError) return `refused: ${error.message}`;
  const e = error as NodeJS.ErrnoException;
  return (e?.code ? `${e.code}: ` : "") + String(e?.message ?? error).slice(0, 300);
}
