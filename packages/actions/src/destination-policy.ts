import ipaddr from 'ipaddr.js';
import { ActionError } from './action-error';

/**
 * Decides which IP addresses an outbound request may connect to: public unicast addresses always,
 * anything else (private, loopback, link-local, unique-local, multicast, unspecified, CGNAT,
 * documentation, NAT64/6to4/Teredo and other special ranges) only inside an allowlisted CIDR.
 * IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`) IPv6 addresses are judged as
 * the IPv4 address they carry. Invalid allowlist entries are a non-retryable `config` error.
 */
export function createDestinationPolicy(allowPrivateNetworks: readonly string[]): DestinationPolicy {
  const allowlist = allowPrivateNetworks.map(parseAllowlistEntry);

  return {
    check(address: string): DestinationVerdict {
      const parsed = parseAddress(address);
      if (!parsed) return { allowed: false, address, range: 'invalid' };
      const range = rangeOf(parsed);
      if (range === 'unicast') return { allowed: true, address: parsed.toString(), range };
      const inAllowlist = allowlist.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits));
      return { allowed: inAllowlist, address: parsed.toString(), range };
    },
  };
}

/**
 * The networks inside both lists: a tenant's own allowlist bounded by the operator's ceiling. Two
 * CIDRs overlap only when one holds the other, so each overlapping pair gives the narrower one.
 * An invalid entry in either list is the same `config` error as in `createDestinationPolicy`.
 */
export function intersectAllowlists(tenant: readonly string[], ceiling: readonly string[]): string[] {
  const bounds = ceiling.map(parseAllowlistEntry);
  const networks = new Set<string>();
  for (const own of tenant.map(parseAllowlistEntry)) {
    for (const bound of bounds) {
      if (holds(bound, own)) networks.add(cidrText(own));
      else if (holds(own, bound)) networks.add(cidrText(bound));
    }
  }
  return [...networks];
}

/** The entries of an allowlist that are not an IP address or a CIDR (where a list is written: they would fail every request). */
export function invalidNetworks(entries: readonly string[]): string[] {
  return entries.filter((entry) => {
    try {
      parseAllowlistEntry(entry);
      return false;
    } catch {
      return true;
    }
  });
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

function holds([outer, outerBits]: Cidr, [inner, innerBits]: Cidr): boolean {
  return outer.kind() === inner.kind() && innerBits >= outerBits && inner.match(outer, outerBits);
}

function cidrText([network, bits]: Cidr): string {
  return `${network.toString()}/${bits}`;
}

/** A non-retryable `destination_refused` error that names the host and, when known, the address. */
export function destinationRefusedError(host: string, reason: string, details: Record<string, unknown> = {}): ActionError {
  return new ActionError({
    kind: 'destination_refused',
    retryable: false,
    message: `refused destination ${host}: ${reason}`,
    details: { host, ...details },
  });
}

/** Parses an address, unwrapping IPv4-mapped IPv6 to IPv4. Returns null when it is not an IP address. */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return null;
  // ipaddr.isValid accepts legacy IPv4 forms (octal, hex, fewer parts); only four-part decimal is an address here.
  if (ipaddr.IPv4.isValid(bare) && !ipaddr.IPv4.isValidFourPartDecimal(bare)) return null;
  const parsed = ipaddr.parse(bare);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()
    ? (parsed as ipaddr.IPv6).toIPv4Address()
    : parsed;
}

/** ipaddr.js's range name, except that `::a.b.c.d` (IPv4-compatible, RFC 4291, deprecated) is not unicast. */
function rangeOf(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = address.range();
  return range === 'unicast' && address.kind() === 'ipv6' && address.match(ipv4CompatibleNetwork, 96) ? 'ipv4Compatible' : range;
}

const ipv4CompatibleNetwork = ipaddr.IPv6.parse('::');

function parseAllowlistEntry(entry: string): Cidr {
  try {
    const [network, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : toHostCidr(ipaddr.parse(entry));
    if (network.kind() === 'ipv6' && (network as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      return [(network as ipaddr.IPv6).toIPv4Address(), bits - 96];
    }
    return [network, bits];
  } catch (cause) {
    throw new ActionError({
      kind: 'config',
      retryable: false,
      message: `invalid CIDR in http.allowPrivateNetworks: ${JSON.stringify(entry)}`,
      cause,
      details: { entry },
    });
  }
}

function toHostCidr(address: ipaddr.IPv4 | ipaddr.IPv6): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

export interface DestinationPolicy {
  check(address: string): DestinationVerdict;
}

export interface DestinationVerdict {
  allowed: boolean;
  /** The normalized address (IPv4-mapped IPv6 shown as IPv4). */
  address: string;
  /** ipaddr.js range name (`unicast`, `loopback`, `private`, …), `ipv4Compatible`, or `invalid`. */
  range: string;
}
