// A route's hash_policy → the request hash RING_HASH and MAGLEV balance on, as Envoy computes it:
// header, cookie (generated with a Set-Cookie when absent and a ttl is given, so the client
// sticks), source IP, query parameter; results folded in order, `terminal` stops at a hit.

import { createHash } from "node:crypto";
import type { HashPolicy } from "../../config-types.ts";
import { parseDurationMs } from "../../duration.ts";
import type { HttpStream } from "../../http/stream.ts";
import { parseQuery } from "../../routing/route-match.ts";
import { combineHash, hash32 } from "../../upstream/hash.ts";

function cookieValue(s: HttpStream, name: string): string | undefined {
  for (const header of s.headers.getAll("cookie")) {
    for (const part of header.split(";")) {
      const eq = part.indexOf("=");
      if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
      const v = part.slice(eq + 1).trim();
      return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
    }
  }
  return undefined;
}

/**
 * Envoy's generated cookie: a hash of the downstream connection's addresses (the same for every
 * request of one connection), sent back as `name="value"; Max-Age=ttl; Path=path; HttpOnly`.
 */
function generateCookie(s: HttpStream, c: NonNullable<HashPolicy["cookie"]>): string {
  const d = s.downstream;
  const value = createHash("sha256")
    .update(`${d.remoteAddress}:${d.remotePort}${d.localAddress}:${d.localPort}`)
    .digest("hex")
    .slice(0, 16);
  const maxAge = Math.floor(parseDurationMs(c.ttl, 0) / 1000);
  let cookie = `${c.name}="${value}"`;
  if (maxAge > 0) cookie += `; Max-Age=${maxAge}`;
  if (c.path) cookie += `; Path=${c.path}`;
  cookie += "; HttpOnly";
  s.responseHooks.push((h) => h.add("set-cookie", cookie));
  return value;
}

function policyHash(s: HttpStream, p: HashPolicy): number | undefined {
  if (p.header?.header_name) {
    const v = s.headers.joined(p.header.header_name.toLowerCase());
    return v === undefined ? undefined : hash32(v);
  }
  if (p.cookie?.name) {
    const v = cookieValue(s, p.cookie.name);
    if (v !== undefined) return hash32(v);
    return p.cookie.ttl !== undefined ? hash32(generateCookie(s, p.cookie)) : undefined;
  }
  if (p.connection_properties?.source_ip) return hash32(s.downstream.remoteAddress);
  if (p.query_parameter?.name) {
    const q = s.path.indexOf("?");
    const v = q < 0 ? undefined : parseQuery(s.path.slice(q + 1)).get(p.query_parameter.name);
    return v === undefined ? undefined : hash32(v);
  }
  return undefined;
}

/** The request's hash, or undefined when no policy produced one (the balancer then picks randomly). */
export function requestHash(s: HttpStream, policies: readonly HashPolicy[]): number | undefined {
  let acc: number | undefined;
  for (const p of policies) {
    const h = policyHash(s, p);
    if (h === undefined) continue;
    acc = combineHash(acc, h);
    if (p.terminal) break;
  }
  return acc;
}
