// A small authoritative DNS server for tests and `npm run dev:fakes` (dns2
// over UDP on 127.0.0.1): TXT records per name; any other name answers
// NXDOMAIN, a name with no TXT answers NOERROR with no records, and names
// listed in `servfail` answer SERVFAIL (a broken server).
// @ts-expect-error dns2 ships no type declarations
import dns2 from "dns2";

export interface FakeDns {
  port: number;
  /** "127.0.0.1:PORT", for DNS_SERVERS. */
  server: string;
  /** Sets (or, with null, removes) the TXT records of a name. */
  setTxt(name: string, records: Array<string | string[]> | null): void;
  servfail: Set<string>;
  /** How many questions each name got. */
  queries: Map<string, number>;
  close(): Promise<void>;
}

interface Question {
  name: string;
  type: number;
}

export async function startFakeDns(options: { port?: number; records?: Record<string, Array<string | string[]>> } = {}): Promise<FakeDns> {
  const { Packet } = dns2;
  const txt = new Map<string, Array<string | string[]>>();
  const known = new Set<string>();
  const servfail = new Set<string>();
  const queries = new Map<string, number>();
  const setTxt = (name: string, records: Array<string | string[]> | null) => {
    const key = name.toLowerCase().replace(/\.$/, "");
    if (records === null) {
      txt.delete(key);
      known.delete(key);
    } else {
      txt.set(key, records);
      known.add(key);
    }
  };
  for (const [name, records] of Object.entries(options.records ?? {})) setTxt(name, records);

  const server = dns2.createServer({
    udp: true,
    handle: (request: { questions: Question[] }, send: (response: unknown) => void) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = (question?.name ?? "").toLowerCase().replace(/\.$/, "");
      queries.set(name, (queries.get(name) ?? 0) + 1);
      if (servfail.has(name)) response.header.rcode = 2;
      else if (!known.has(name)) response.header.rcode = 3;
      else if (question!.type === Packet.TYPE.TXT) {
        for (const data of txt.get(name) ?? []) response.answers.push({ name: question!.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 60, data });
      }
      send(response);
    },
  });
  await server.listen({ udp: { port: options.port ?? 0, address: "127.0.0.1" } });
  const port = (server.addresses().udp as { port: number }).port;
  return {
    port,
    server: `127.0.0.1:${port}`,
    setTxt,
    servfail,
    queries,
    close: () => server.close(),
  };
}
