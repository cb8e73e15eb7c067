// LISTEN on one PostgreSQL channel over a dedicated connection, reconnecting
// when it drops. NOTIFY is delivered at commit, so a listener hears about a
// change exactly when other transactions can see it. While the connection is
// down notifications are lost: `onDisconnected` lets the caller stop trusting
// anything that depends on them, `onConnected` (also after a reconnect) lets it
// catch up.
import pg from "pg";
import type { Logger } from "../observability/logger.js";

export interface NotificationListener {
  /** True while the LISTEN connection is up (notifications are being heard). */
  readonly listening: boolean;
  stop(): Promise<void>;
}

export interface NotificationListenerOptions {
  /** Connection string (the service role). */
  url: string;
  channel: string;
  applicationName: string;
  logger: Logger;
  onNotification(payload: string): void;
  onConnected?(): void;
  onDisconnected?(): void;
  reconnectMs?: number;
}

export async function listenForNotifications(options: NotificationListenerOptions): Promise<NotificationListener> {
  const { logger, channel } = options;
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name "${channel}"`);
  let stopped = false;
  let client: pg.Client | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;

  async function connect(): Promise<void> {
    if (stopped) return;
    const next = new pg.Client({ connectionString: options.url, application_name: options.applicationName });
    next.on("notification", (message) => {
      if (message.channel === channel) options.onNotification(message.payload ?? "");
    });
    next.on("error", () => scheduleReconnect());
    next.on("end", () => scheduleReconnect());
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
      client = next;
      options.onConnected?.();
    } catch (error) {
      logger.warn({ err: error, channel }, "notification listener could not connect; retrying");
      next.removeAllListeners();
      next.end().catch(() => {});
      scheduleReconnect();
    }
  }

  function scheduleReconnect(): void {
    if (client) {
      client.removeAllListeners();
      client.end().catch(() => {});
      client = null;
      options.onDisconnected?.();
    }
    if (stopped || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      void connect();
    }, options.reconnectMs ?? 1_000);
    reconnectTimer.unref();
  }

  await connect();
  return {
    get listening() {
      return client !== null;
    },
    async stop() {
      stopped = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const current = client;
      client = null;
      current?.removeAllListeners();
      await current?.end().catch(() => {});
    },
  };
}
