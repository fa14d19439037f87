// Delta (incremental) ADS per Envoy's xDS protocol: subscribe/unsubscribe by name, wildcard via
// an empty first subscription or `*`, initial_resource_versions on reconnect, per-resource
// versions (content hashes), removed_resources, nonces, ACK and NACK.

import type { DeltaDiscoveryRequest } from "../envoy/index.ts";
import type { Connection } from "./connection.ts";
import { isWildcardType } from "./generators/index.ts";
import { deltaEntry, ENCODED_RESOURCES, type Prepared } from "./resource-cache.ts";
import type { XdsContext } from "./xds-context.ts";

/** Applies one delta request; returns whether a response for its type is due. */
export function onDeltaRequest(
  conn: Connection,
  req: DeltaDiscoveryRequest,
  ctx: XdsContext,
): boolean {
  const typeUrl = req.type_url ?? "";
  if (!ctx.knownType(typeUrl)) {
    ctx.log("ignoring delta request for unknown type", { conn: conn.id, typeUrl });
    return false;
  }
  const fresh = !conn.watches.has(typeUrl);
  const w = conn.watch(typeUrl);
  const nonce = req.response_nonce ?? "";
  if (nonce) {
    if (nonce !== w.nonce) return false;
    w.awaiting = false;
    if (req.error_detail) {
      w.nack = { version: w.version, message: req.error_detail.message ?? "" };
      ctx.onNack(conn, typeUrl, w.nack.message);
    } else {
      w.acked = w.version;
      w.nack = undefined;
      ctx.onAck(conn, typeUrl);
    }
  }
  const subscribe = req.resource_names_subscribe ?? [];
  const unsubscribe = req.resource_names_unsubscribe ?? [];
  if (fresh || subscribe.length > 0 || unsubscribe.length > 0) w.current = undefined;
  let due = false;
  if (fresh) {
    // Wildcard: LDS/CDS whose first request subscribes nothing, or anything subscribing `*`.
    const wildcard = (isWildcardType(typeUrl) && subscribe.length === 0) || subscribe.includes("*");
    w.names = wildcard ? undefined : new Set();
    for (const [name, version] of Object.entries(req.initial_resource_versions ?? {}))
      w.sent.set(name, version);
    due = true;
  }
  for (const n of subscribe) {
    if (n === "*") {
      w.names = undefined;
      due = true;
      continue;
    }
    if (w.names && !w.names.has(n)) {
      w.names.add(n);
      // A newly subscribed name is sent even if the client claims to have it.
      w.sent.delete(n);
      due = true;
    } else if (!w.names) {
      due = true;
    }
  }
  for (const n of unsubscribe) {
    if (n === "*") {
      if (!w.names) w.names = new Set(subscribe.filter((s) => s !== "*"));
      continue;
    }
    w.names?.delete(n);
    w.sent.delete(n);
  }
  return due;
}

/** Sends what changed since the client's view: updated resources and removed names. */
export async function pushDelta(
  conn: Connection,
  typeUrl: string,
  ctx: XdsContext,
): Promise<boolean> {
  const w = conn.watches.get(typeUrl);
  if (!w || !conn.proxy || conn.closed) return false;
  const names = w.names ? [...w.names] : undefined;
  if (names && names.length === 0 && w.sent.size === 0) return false;
  const generated = names?.length === 0 ? new Map() : ctx.generate(conn.proxy, typeUrl, names);
  // A push for another type (or an endpoint-only change) hands back the same set: no diff needed.
  if (generated === w.current && w.nonce) return false;
  const resources: Prepared[] = [];
  const next = new Map<string, string>();
  for (const [name, r] of generated) {
    const p = ctx.cache.prepare(typeUrl, name, r);
    next.set(name, p.hash);
    if (w.sent.get(name) !== p.hash) resources.push(p);
  }
  const removed: string[] = [];
  for (const name of w.sent.keys()) if (!next.has(name)) removed.push(name);
  // Explicitly subscribed names that do not exist are reported removed once, so clients
  // waiting for them learn they are absent.
  for (const n of names ?? []) if (!next.has(n) && !w.sent.has(n) && !w.nonce) removed.push(n);
  if (resources.length === 0 && removed.length === 0 && w.nonce) {
    w.current = generated;
    return false;
  }
  const nonce = ctx.nextNonce();
  w.nonce = nonce;
  w.version = ctx.version();
  w.sent = next;
  w.current = generated;
  w.awaiting = true;
  await conn.send({
    system_version_info: w.version,
    type_url: typeUrl,
    nonce,
    removed_resources: [...new Set(removed)].sort(),
    // each resource encoded once for every proxy it goes to
    [ENCODED_RESOURCES]: resources.sort((a, b) => (a.name < b.name ? -1 : 1)).map(deltaEntry),
  });
  ctx.onSent(conn, typeUrl, resources.length);
  return true;
}
