// State-of-the-World ADS: request handling (subscriptions, ACK/NACK, stale nonces) and sending
// full per-type snapshots. Wildcard applies to LDS/CDS only (an empty RDS/EDS list means
// unsubscribe); a NACKed version is never resent; unchanged content is not resent.

import type { DiscoveryRequest } from "../envoy/index.ts";
import type { Connection } from "./connection.ts";
import { isWildcardType } from "./generators/index.ts";
import { ENCODED_RESOURCES, sotwEntry } from "./resource-cache.ts";
import type { XdsContext } from "./xds-context.ts";

/** Applies one request; returns whether a response for its type is due. */
export function onSotwRequest(conn: Connection, req: DiscoveryRequest, ctx: XdsContext): boolean {
  const typeUrl = req.type_url ?? "";
  if (!ctx.knownType(typeUrl)) {
    ctx.log("ignoring request for unknown type", { conn: conn.id, typeUrl });
    return false;
  }
  const fresh = !conn.watches.has(typeUrl);
  const w = conn.watch(typeUrl);
  const nonce = req.response_nonce ?? "";
  // A response to an older nonce: the client has not yet seen our latest; ignore it.
  if (nonce && nonce !== w.nonce) return false;
  if (nonce && req.error_detail) {
    w.nack = { version: w.version, message: req.error_detail.message ?? "" };
    ctx.onNack(conn, typeUrl, w.nack.message);
  } else if (nonce) {
    w.acked = req.version_info ?? "";
    w.nack = undefined;
    ctx.onAck(conn, typeUrl);
  }
  const requested = req.resource_names ?? [];
  const wildcard = isWildcardType(typeUrl) && (requested.length === 0 || requested.includes("*"));
  const names = wildcard ? undefined : new Set(requested);
  const changed = fresh || !sameNames(w.names, names);
  w.names = names;
  if (!isWildcardType(typeUrl) && names?.size === 0) {
    // Unsubscribed from every RDS/EDS resource.
    w.sent = new Map();
    return false;
  }
  // A request without nonce is a (re)subscription: always answer; otherwise only on change.
  return !nonce || changed;
}

function sameNames(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.size !== b.size) return false;
  for (const n of a) if (!b.has(n)) return false;
  return true;
}

/** Sends this type's resources if they differ from what was sent (or `force`). */
export async function pushSotw(
  conn: Connection,
  typeUrl: string,
  ctx: XdsContext,
  force: boolean,
): Promise<boolean> {
  const w = conn.watches.get(typeUrl);
  if (!w || !conn.proxy || conn.closed) return false;
  if (!isWildcardType(typeUrl) && w.names?.size === 0) return false;
  const generated = ctx.generate(conn.proxy, typeUrl, w.names ? [...w.names] : undefined);
  const set = ctx.cache.prepareAll(typeUrl, generated);
  const { prepared, hashes } = set;
  if (!force && (w.sent === hashes || sameHashes(w.sent, hashes))) return false;
  // RDS and EDS are not state-of-the-world types: a push may carry only what changed.
  const send =
    force || isWildcardType(typeUrl)
      ? prepared
      : prepared.filter((p) => w.sent.get(p.name) !== p.hash);
  const nonce = ctx.nextNonce();
  const version = ctx.version();
  w.nonce = nonce;
  w.version = version;
  // Shared with every connection sent this set; SotW never mutates `sent` (it replaces it).
  w.sent = hashes as Map<string, string>;
  await conn.send({
    version_info: version,
    type_url: typeUrl,
    nonce,
    control_plane: { identifier: ctx.identifier },
    // each resource encoded once for every proxy it goes to
    [ENCODED_RESOURCES]: send === prepared ? set.encodedResources : send.map(sotwEntry),
  });
  ctx.onSent(conn, typeUrl, send.length);
  return true;
}

function sameHashes(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
