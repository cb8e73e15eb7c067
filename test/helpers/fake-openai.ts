// A local HTTP server that speaks the OpenAI wire format: POST
// /v1/chat/completions and /v1/embeddings (float or base64 Float32). Each
// request is answered by the next scripted reply (or the default responder);
// every request is recorded so tests can inspect exactly what left the
// service (e.g. that personal data was redacted).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown> & { messages?: Array<{ role: string; content: string }>; input?: string | string[] };
}

export type FakeReply =
  | { kind: "content"; content: string; promptTokens?: number; completionTokens?: number; model?: string }
  | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: "hang"; ms: number }
  | { kind: "embedding"; dimensions?: number };

export interface FakeOpenAi {
  url: string;
  baseURL: string;
  requests: RecordedRequest[];
  /** Replies used in order, before the default responder. */
  script(...replies: FakeReply[]): void;
  respondWith(responder: (request: RecordedRequest) => FakeReply): void;
  close(): Promise<void>;
}

function vectorFor(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (let i = 0; i < text.length; i++) v[(text.charCodeAt(i) * 31 + i) % dimensions]! += 1;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const requests: RecordedRequest[] = [];
  const queue: FakeReply[] = [];
  let responder: (request: RecordedRequest) => FakeReply = () => ({ kind: "content", content: "{}" });
  const sockets = new Set<import("node:net").Socket>();

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: RecordedRequest["body"] = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    } catch {
      body = {};
    }
    const recorded: RecordedRequest = { path: req.url ?? "", headers: req.headers, body };
    requests.push(recorded);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== "Bearer test-key") return send(401, { error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } });
    const reply = queue.shift() ?? (req.url?.endsWith("/embeddings") ? { kind: "embedding" as const } : responder(recorded));
    if (reply.kind === "hang") {
      const timer = setTimeout(() => send(200, {}), reply.ms);
      res.on("close", () => clearTimeout(timer));
      return;
    }
    if (reply.kind === "status") return send(reply.status, reply.body ?? { error: { message: `status ${reply.status}`, type: "server_error" } }, reply.headers);
    if (req.url?.endsWith("/embeddings")) {
      const inputs = Array.isArray(body.input) ? body.input : [String(body.input ?? "")];
      const dimensions = reply.kind === "embedding" ? (reply.dimensions ?? 8) : 8;
      const base64 = body.encoding_format === "base64";
      return send(200, {
        object: "list",
        model: String(body.model),
        data: inputs.map((text, index) => {
          const vector = vectorFor(String(text), dimensions);
          return {
            object: "embedding",
            index,
            embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector,
          };
        }),
        usage: { prompt_tokens: inputs.join(" ").split(/\s+/).length, total_tokens: inputs.join(" ").split(/\s+/).length },
      });
    }
    if (reply.kind !== "content") return send(500, { error: { message: "bad script" } });
    const promptTokens = reply.promptTokens ?? 100;
    const completionTokens = reply.completionTokens ?? 50;
    send(200, {
      id: `chatcmpl-${requests.length}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: reply.model ?? String(body.model),
      choices: [{ index: 0, message: { role: "assistant", content: reply.content, refusal: null }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    script: (...replies) => queue.push(...replies),
    respondWith: (r) => {
      responder = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
