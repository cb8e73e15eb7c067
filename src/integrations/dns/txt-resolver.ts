// TXT lookups through Node's own resolver (c-ares, node:dns/promises), pointed
// at the configured servers (DNS_SERVERS; a local fake in tests). "No such
// name" and "no TXT record" are answers (NONE); a timeout, a refused or
// failed server is no answer (UNREACHABLE), which never blocks a send.
import { Resolver } from "node:dns/promises";
import type { TxtLookup } from "../../domain/sending/sending-domain.js";

export interface TxtResolver {
  lookup(name: string): Promise<TxtLookup>;
}

const ANSWERED_EMPTY = new Set(["ENOTFOUND", "ENODATA", "ENONAME"]);

/** `servers`: "off", "" (the system's) or comma-separated host[:port]. */
export function txtResolver(options: { servers: string; timeoutMs: number }): TxtResolver {
  if (options.servers.trim() === "off") {
    return { lookup: async () => ({ status: "UNREACHABLE", error: "DNS lookups are off (DNS_SERVERS=off)" }) };
  }
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 1 });
  const servers = options.servers.split(",").map((s) => s.trim()).filter(Boolean);
  if (servers.length) resolver.setServers(servers);
  return {
    async lookup(name) {
      try {
        const chunks = await resolver.resolveTxt(name);
        // A TXT record may come in several character-strings; they form one value.
        return { status: "FOUND", records: chunks.map((c) => c.join("")) };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "";
        if (ANSWERED_EMPTY.has(code)) return { status: "NONE" };
        return { status: "UNREACHABLE", error: `${code || "error"}: ${(error as Error).message}`.slice(0, 300) };
      }
    },
  };
}
