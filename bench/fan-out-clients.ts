// Load generator for bench/fan-out.ts, run as its own process (forked with an
// IPC channel) so the subscribers' work is measured apart from the bench's
// bookkeeping and can be spread over several processes. It opens its share of
// graphql-ws subscribers, records for each one when every event arrived
// (wall-clock ms, comparable across processes on one machine), and reports
// them with its own CPU time and event-loop delay over the measured window,
// so a starved load generator shows in the figures instead of as latency.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface ClientSpec {
  port: number;
  tenant: "A" | "B";
}

export type ToClients =
  | { type: "start"; subscribers: ClientSpec[]; tokens: { A: string; B: string } }
  | { type: "measure" }
  | { type: "collect" }
  | { type: "dispose" };

export type FromClients =
  | { type: "ready"; connectSeconds: number; reconnects: number }
  | {
      type: "results";
      /** Per subscriber: its tenant and [taskId, arrival ms] pairs. */
      subscribers: { tenant: "A" | "B"; port: number; received: [string, number][] }[];
      /** CPU ms (user + system) and wall ms since "measure". */
      cpuMs: number;
      wallMs: number;
      /** Event-loop delay since "measure" (ms). */
      loopDelay: { p50: number; p99: number; max: number };
      /** Connections that closed during the measurement. */
      reconnects: number;
    }
  | { type: "disposed" };

const now = () => performance.timeOrigin + performance.now();
const send = (message: FromClients) => process.send!(message);

/** Connections closed before the bench disposed them (each retried): should be 0 once all are up. */
let reconnects = 0;
let clients: { client: Client; tenant: "A" | "B"; port: number; received: Map<string, number> }[] = [];
let cpuAtMeasure = process.cpuUsage();
let wallAtMeasure = now();
const loop = monitorEventLoopDelay({ resolution: 5 });

process.on("message", async (message: ToClients) => {
  if (message.type === "start") {
    const started = performance.now();
    clients = await Promise.all(
      message.subscribers.map(async ({ port, tenant }) => {
        const received = new Map<string, number>();
        let acknowledged!: () => void;
        const ready = new Promise<void>((resolve) => (acknowledged = resolve));
        const client = createClient({
          url: `ws://127.0.0.1:${port}/graphql`,
          webSocketImpl: WebSocket,
          connectionParams: { token: message.tokens[tenant] },
          // A connection refused while both services are busy accepting hundreds is retried (and counted).
          retryAttempts: 5,
          shouldRetry: () => true,
          lazy: false,
          on: {
            connected: () => acknowledged(),
            closed: () => void (reconnects += 1),
          },
        });
        client.subscribe<{ events: { type: string; payload: { taskId?: string } } }>(
          { query: `subscription { events(types: ["sales.task.*"]) { type payload } }` },
          {
            next: (value) => {
              const taskId = value.data?.events.payload.taskId;
              if (taskId) received.set(taskId, now());
            },
            error: (error) => process.stderr.write(`subscription error: ${JSON.stringify(error).slice(0, 200)}\n`),
            complete: () => {},
          },
        );
        await ready;
        return { client, tenant, port, received };
      }),
    );
    send({ type: "ready", connectSeconds: (performance.now() - started) / 1000, reconnects });
    reconnects = 0;
  } else if (message.type === "measure") {
    cpuAtMeasure = process.cpuUsage();
    wallAtMeasure = now();
    loop.reset();
    loop.enable();
  } else if (message.type === "collect") {
    loop.disable();
    const cpu = process.cpuUsage(cpuAtMeasure);
    const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
    send({
      type: "results",
      subscribers: clients.map((c) => ({ tenant: c.tenant, port: c.port, received: [...c.received] })),
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: now() - wallAtMeasure,
      loopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
      reconnects,
    });
  } else if (message.type === "dispose") {
    await Promise.all(clients.map((c) => c.client.dispose()));
    send({ type: "disposed" });
    process.disconnect();
  }
});
