/**
 * Where `http.fetch` and MCP servers may go: the agent's host allow-list (for `http.fetch`), and
 * the rule that only public unicast addresses are reached, so that neither an agent nor whoever
 * registers one can use the runtime to probe private networks, the loopback interface or the
 * instance metadata service (169.254.169.254).
 */
import { isIPv4, isIPv6 } from 'node:net';

type Cidr = { bytes: Uint8Array; bits: number };

function cidr(text: string): Cidr {
  const [address = '', bits = ''] = text.split('/');
  const bytes = isIPv4(address) ? parseIPv4(address) : parseIPv6(address);
  if (!bytes) throw new Error(`bad CIDR in the address policy: ${text}`);
  return { bytes, bits: Number(bits) };
}

function inCidr(bytes: Uint8Array, range: Cidr): boolean {
  if (bytes.length !== range.bytes.length) return false;
  let remaining = range.bits;
  for (let i = 0; remaining > 0; i++, remaining -= 8) {
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((range.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** IPv4 ranges that are not public unicast (RFC 6890 and friends). */
const PRIVATE_V4 = [
  '0.0.0.0/8', // "this network", includes the unspecified 0.0.0.0
  '10.0.0.0/8', // private
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, includes the instance metadata service 169.254.169.254
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation (TEST-NET-1)
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16', // private
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation (TEST-NET-2)
  '203.0.113.0/24', // documentation (TEST-NET-3)
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, includes the broadcast 255.255.255.255
].map(cidr);

const V6_GLOBAL_UNICAST = cidr('2000::/3');
/** Inside 2000::/3 but not reachable public unicast. */
const PRIVATE_V6_IN_GLOBAL = [
  '2001::/23', // IETF protocol assignments: Teredo, benchmarking, ORCHID…
  '2001:db8::/32', // documentation
  '3fff::/20', // documentation (RFC 9637)
].map(cidr);
const V4_MAPPED = cidr('::ffff:0:0/96');
const NAT64_WELL_KNOWN = cidr('64:ff9b::/96');
const SIX_TO_FOUR = cidr('2002::/16');

function parseIPv4(text: string): Uint8Array | undefined {
  if (!isIPv4(text)) return undefined;
  return Uint8Array.from(text.split('.').map(Number));
}

/** Parses an IPv6 address (with an optional dotted IPv4 tail) into 16 bytes. */
function parseIPv6(text: string): Uint8Array | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = parseIPv4(maybeV4);
    if (!v4) return undefined;
    head = text.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::" and "a::1.2.3.4" leaves "a::": keep the "::", drop a lone ":".
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
  }
  const [left = '', right] = head.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const leftGroups = groups(left);
  const rightGroups = [...(right === undefined ? [] : groups(right)), ...tail];
  const fill = 8 - leftGroups.length - rightGroups.length;
  if (right === undefined && fill !== 0) return undefined;
  const all = [
    ...leftGroups,
    ...new Array<number>(right === undefined ? 0 : fill).fill(0),
    ...rightGroups,
  ];
  if (all.length !== 8 || all.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) {
    return undefined;
  }
  return Uint8Array.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

const isPublicV4Bytes = (bytes: Uint8Array): boolean =>
  !PRIVATE_V4.some((range) => inCidr(bytes, range));

function isPublicV6Bytes(bytes: Uint8Array): boolean {
  // Forms that carry an IPv4 address are judged by that address.
  if (inCidr(bytes, V4_MAPPED) || inCidr(bytes, NAT64_WELL_KNOWN)) {
    return isPublicV4Bytes(bytes.slice(12));
  }
  if (inCidr(bytes, SIX_TO_FOUR)) return isPublicV4Bytes(bytes.slice(2, 6));
  // Everything outside global unicast is refused: ::, ::1, fc00::/7, fe80::/10, ff00::/8,
  // IPv4-compatible ::/96, the local-use NAT64 64:ff9b:1::/48, deprecated site-local…
  if (!inCidr(bytes, V6_GLOBAL_UNICAST)) return false;
  return !PRIVATE_V6_IN_GLOBAL.some((range) => inCidr(bytes, range));
}

/**
 * True only for a public unicast IP address. Anything else (a private, loopback, link-local,
 * unspecified, multicast, reserved or documentation address, an IPv6 address with a zone id,
 * or text that is not an IP address at all) is false. IPv6 may be given in brackets.
 */
export function isPublicAddress(ip: string): boolean {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const v4 = parseIPv4(text);
  if (v4) return isPublicV4Bytes(v4);
  const v6 = parseIPv6(text);
  return v6 ? isPublicV6Bytes(v6) : false;
}

/** The family of an IP literal (IPv6 with or without brackets), or undefined for a name. */
export function ipFamilyOf(host: string): 4 | 6 | undefined {
  const text = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return undefined;
}

/**
 * A host as the WHATWG URL parser writes it (lower case, punycode, IPv4 in dotted form, IPv6
 * compressed without brackets), without a trailing dot; undefined when it is not a bare host
 * (it has a port, a path, credentials…).
 */
export function canonicalHost(host: string): string | undefined {
  let text = host.trim();
  if (text === '') return undefined;
  const unbracketed = text.replace(/^\[|\]$/g, '');
  if (isIPv6(unbracketed)) text = `[${unbracketed}]`;
  // A port (even the default one, which the URL parser would drop), a path or credentials.
  else if (/[:/?#@\\]/.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(`http://${text}/`);
  } catch {
    return undefined;
  }
  if (url.port !== '' || url.username !== '' || url.password !== '') return undefined;
  const hostname = url.hostname.replace(/\.$/, '');
  if (hostname === '') return undefined;
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/**
 * Whether a host (a URL's hostname) is on an agent's allow-list. An entry matches its host
 * exactly; an entry `*.example.com` matches any subdomain of example.com but not example.com
 * itself. IP literals match only an entry for the same address (compared in canonical form,
 * so `127.1`, `2130706433` and `127.0.0.1` are one address). Entries that are not bare hosts
 * (with a port, a path, a lone `*`) match nothing.
 */
export function isHostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const target = canonicalHost(host);
  if (target === undefined) return false;
  const targetIsIp = ipFamilyOf(target) !== undefined;
  return allowedHosts.some((entry) => {
    if (entry.startsWith('*.')) {
      if (targetIsIp) return false;
      const suffix = canonicalHost(entry.slice(2));
      if (suffix === undefined || ipFamilyOf(suffix) !== undefined) return false;
      return target.endsWith(`.${suffix}`);
    }
    return canonicalHost(entry) === target;
  });
}

/** A host that the address policy refuses: it is, or resolves to, a non-public address. */
export class AddressRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressRefusedError';
  }
}

/** A host whose name gave no address to connect to. */
export class NoAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoAddressError';
  }
}

/**
 * The address to connect to for `host` (a URL's hostname, an IP literal or a name): every
 * address the name resolves to must pass `isAllowed` (one private answer refuses the host, so
 * the check cannot depend on which answer is used), and the caller connects to the address
 * returned, never to a second DNS answer: DNS rebinding cannot swap a private address in.
 */
export async function resolveCheckedAddress(
  host: string,
  resolve: (host: string) => Promise<string[]>,
  isAllowed: (ip: string) => boolean = isPublicAddress,
): Promise<{ address: string; family: 4 | 6 }> {
  const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const literalFamily = ipFamilyOf(literal);
  if (literalFamily !== undefined) {
    if (!isAllowed(literal)) {
      throw new AddressRefusedError(`address ${literal} is not a public address; refused`);
    }
    return { address: literal, family: literalFamily };
  }
  const addresses = await resolve(host);
  if (addresses.length === 0) throw new NoAddressError(`host '${host}' has no addresses`);
  const refused = addresses.find((address) => !isAllowed(address));
  if (refused !== undefined) {
    throw new AddressRefusedError(
      `host '${host}' resolves to ${refused}, which is not a public address; refused`,
    );
  }
  const address = addresses[0] as string;
  const family = ipFamilyOf(address);
  if (family === undefined) throw new NoAddressError(`host '${host}' resolved to a non-address`);
  return { address, family };
}
