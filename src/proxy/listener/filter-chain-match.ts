// Envoy's filter chain selection: narrow the candidates criterion by criterion in Envoy's order
// (destination port, destination IP, server name, transport protocol, application protocols,
// source type, source IP, source port); at each step the most specific match wins and chains that
// do not set the criterion are the fallback. No match: the default_filter_chain, if any.

import net from "node:net";
import type { CidrRange, FilterChain } from "../config-types.ts";

export interface ConnectionFacts {
  readonly destinationIp: string;
  readonly destinationPort: number;
  readonly sourceIp: string;
  readonly sourcePort: number;
  readonly serverName?: string;
  readonly transportProtocol: string;
  readonly applicationProtocols: readonly string[];
}

function v4ToInt(ip: string): number {
  return ip.split(".").reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
}

function plainIp(ip: string): string {
  return ip.startsWith("::ffff:") && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

/** Prefix length matched (-1 when no range contains ip). */
function cidrScore(ranges: CidrRange[], ip0: string): number {
  const ip = plainIp(ip0);
  let best = -1;
  for (const r of ranges) {
    const addr = plainIp(r.address_prefix ?? "");
    const len = r.prefix_len ?? (net.isIPv4(addr) ? 32 : 128);
    if (net.isIPv4(addr) && net.isIPv4(ip)) {
      const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
      if ((v4ToInt(addr) & mask) === (v4ToInt(ip) & mask)) best = Math.max(best, len);
    } else if (net.isIPv6(addr) && net.isIPv6(ip)) {
      const bl = new net.BlockList();
      bl.addSubnet(addr, len, "ipv6");
      if (bl.check(ip, "ipv6")) best = Math.max(best, len);
    }
  }
  return best;
}

function serverNameScore(names: string[], sni: string | undefined): number {
  if (!sni) return -1;
  const s = sni.toLowerCase();
  let best = -1;
  for (const n0 of names) {
    const n = n0.toLowerCase();
    if (n === s) return Number.MAX_SAFE_INTEGER;
    if (n.startsWith("*.") && s.endsWith(n.slice(1))) best = Math.max(best, n.length);
    else if (n.startsWith(".") && s.endsWith(n)) best = Math.max(best, n.length);
  }
  return best;
}

type Scorer = (c: FilterChain, f: ConnectionFacts) => number | undefined;

// undefined: the chain does not set this criterion; -1: set but not matching; else specificity
const CRITERIA: Scorer[] = [
  (c, f) =>
    c.filter_chain_match?.destination_port === undefined
      ? undefined
      : c.filter_chain_match.destination_port === f.destinationPort
        ? 1
        : -1,
  (c, f) =>
    c.filter_chain_match?.prefix_ranges?.length
      ? cidrScore(c.filter_chain_match.prefix_ranges, f.destinationIp)
      : undefined,
  (c, f) =>
    c.filter_chain_match?.server_names?.length
      ? serverNameScore(c.filter_chain_match.server_names, f.serverName)
      : undefined,
  (c, f) =>
    c.filter_chain_match?.transport_protocol
      ? c.filter_chain_match.transport_protocol === f.transportProtocol
        ? 1
        : -1
      : undefined,
  (c, f) =>
    c.filter_chain_match?.application_protocols?.length
      ? c.filter_chain_match.application_protocols.some((p) => f.applicationProtocols.includes(p))
        ? 1
        : -1
      : undefined,
  (c, f) => {
    const t = c.filter_chain_match?.source_type;
    if (!t || t === "ANY") return undefined;
    const local =
      plainIp(f.sourceIp) === plainIp(f.destinationIp) || /^(127\.|::1$)/.test(plainIp(f.sourceIp));
    return (t === "SAME_IP_OR_LOOPBACK") === local ? 1 : -1;
  },
  (c, f) =>
    c.filter_chain_match?.source_prefix_ranges?.length
      ? cidrScore(c.filter_chain_match.source_prefix_ranges, f.sourceIp)
      : undefined,
  (c, f) =>
    c.filter_chain_match?.source_ports?.length
      ? c.filter_chain_match.source_ports.includes(f.sourcePort)
        ? 1
        : -1
      : undefined,
];

export function selectFilterChain(
  chains: readonly FilterChain[],
  def: FilterChain | undefined,
  facts: ConnectionFacts,
): FilterChain | undefined {
  // Runs per accepted connection: a criterion no candidate names costs no allocation.
  let candidates = chains;
  const scored: (number | undefined)[] = [];
  for (const score of CRITERIA) {
    let best = -1;
    let named = false;
    for (let i = 0; i < candidates.length; i++) {
      const s = score(candidates[i], facts);
      scored[i] = s;
      if (s === undefined) continue;
      named = true;
      if (s > best) best = s;
    }
    if (!named) continue;
    const next: FilterChain[] = [];
    // the most specific matching chains, else those that do not name this criterion
    if (best >= 0)
      for (let i = 0; i < candidates.length; i++) if (scored[i] === best) next.push(candidates[i]);
    if (next.length === 0)
      for (let i = 0; i < candidates.length; i++)
        if (scored[i] === undefined) next.push(candidates[i]);
    if (next.length === 0) return def;
    candidates = next;
  }
  return candidates[0] ?? def;
}
