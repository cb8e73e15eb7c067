// SSRF protection for outbound webhooks: which addresses a delivery may
// connect to. Only global unicast addresses (ipaddr.js's range "unicast");
// private, loopback, link-local, unique-local, multicast, CGNAT, unspecified,
// broadcast and reserved ranges are refused, for IPv4 and IPv6 alike, and an
// IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it
// carries. Hosts in WEBHOOK_ALLOWED_HOSTS (tests, on-premise) skip the check.
import dns from "node:dns";
import net from "node:net";
import ipaddr from "ipaddr.js";

export class WebhookAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookAddressError";
  }
}

/** The ipaddr.js range of an address (`unicast` for a public one), IPv4-mapped IPv6 judged as IPv4. */
export function addressRange(address: string): string {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range();
}

/** Whether a delivery may connect to this IP address. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return addressRange(address) === "unicast";
}

/** A host name without IPv6 brackets, lower case. */
export function normalizeHost(host: string): string {
  return host.replace(/^\[|\]$/g, "").toLowerCase();
}

export interface AddressPolicy {
  /** Host names and IP addresses allowed although not public (WEBHOOK_ALLOWED_HOSTS). */
  allowedHosts: readonly string[];
}

function allowed(policy: AddressPolicy, host: string, address: string): boolean {
  const list = policy.allowedHosts;
  return list.includes(normalizeHost(host)) || list.includes(normalizeHost(address)) || isPublicAddress(address);
}

/** Refuses an IP-literal host that is not allowed (Node does not call `lookup` for literals). */
export function checkLiteralHost(policy: AddressPolicy, host: string): void {
  const bare = normalizeHost(host);
  if (net.isIP(bare) && !allowed(policy, bare, bare)) throw new WebhookAddressError(`address ${bare} is not public`);
}

export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** The system resolver, every address. */
export const systemLookup: LookupAll = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * A `lookup` for http(s).request: resolves the name once, refuses it when any
 * of its addresses is not allowed (a name must not mix public and private
 * addresses), and hands the socket exactly the addresses it checked — so
 * there is no second resolution between the check and the connection.
 */
export function guardedLookup(policy: AddressPolicy, resolve: LookupAll = systemLookup): net.LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    resolve(hostname)
      .then((addresses) => {
        if (addresses.length === 0) throw new WebhookAddressError(`${hostname} did not resolve`);
        const refused = addresses.find((a) => !allowed(policy, hostname, a.address));
        if (refused) throw new WebhookAddressError(`${hostname} resolves to ${refused.address}, which is not public`);
        const family = options?.family === 4 || options?.family === 6 ? options.family : 0;
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        if (usable.length === 0) throw new WebhookAddressError(`${hostname} has no IPv${family} address`);
        if (options?.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      })
      .catch((error: unknown) => callback(error));
  }) as net.LookupFunction;
}
