// Content hashes and packed Anys of generated resources. Many proxies get byte-identical
// resources (the same cluster, the same route config), so a resource is encoded once per
// content and reused; hashes double as delta xDS resource versions. Each resource also keeps its
// encoding as one entry of a SotW or delta response's `resources` field, so a response is its
// envelope followed by those entries. A whole generated set (shared by every proxy with the same
// scope for one snapshot, see DiscoveryServer) is prepared once too: its hashes and entries
// (Istio's XdsCache serves the same purpose).

import { createHash } from "node:crypto";
import { type AnyMessage, messageType, packAny } from "../envoy/index.ts";
import type { Json } from "./generators/common.ts";

const SOTW_RESPONSE = messageType("envoy.service.discovery.v3.DiscoveryResponse");
const DELTA_RESPONSE = messageType("envoy.service.discovery.v3.DeltaDiscoveryResponse");

/**
 * A response field holding its `resources` already encoded: the serializer encodes the rest and
 * appends these (a repeated field may follow the others on the wire).
 */
export const ENCODED_RESOURCES = Symbol("encodedResources");

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** The envelope encoded by protobufjs, then the shared, pre-encoded resources. */
function withEntries(type: typeof SOTW_RESPONSE, v: unknown): Buffer {
  const head = asBuffer(type.encode(v as object).finish());
  const encoded = (v as { [ENCODED_RESOURCES]?: readonly Buffer[] })[ENCODED_RESOURCES];
  return encoded ? Buffer.concat([head, ...encoded]) : head;
}

/** Serializers of DiscoveryResponse and DeltaDiscoveryResponse for the ADS server. */
export const encodeSotwResponse = (v: unknown): Buffer => withEntries(SOTW_RESPONSE, v);
export const encodeDeltaResponse = (v: unknown): Buffer => withEntries(DELTA_RESPONSE, v);

export interface Prepared {
  readonly name: string;
  readonly hash: string;
  readonly any: AnyMessage;
}

/** A generated set of resources of one type, prepared once for every proxy it goes to. */
export class PreparedSet {
  readonly prepared: readonly Prepared[];
  /** Name → content hash. Shared by every connection that was sent this set: never mutated. */
  readonly hashes: ReadonlyMap<string, string>;
  #fields: readonly Buffer[] | undefined;

  constructor(prepared: readonly Prepared[]) {
    this.prepared = prepared;
    this.hashes = new Map(prepared.map((p) => [p.name, p.hash]));
  }

  /**
   * Field 2 (`resources`) of a DiscoveryResponse holding every resource, as each resource's own
   * encoding, made once per resource and shared by every set that holds it: a thousand sidecars
   * whose sets differ only in their inbound clusters hold one copy of the others' bytes, and the
   * serializer copies them once, into the message it sends.
   */
  get encodedResources(): readonly Buffer[] {
    if (!this.#fields) this.#fields = this.prepared.map(sotwEntry);
    return this.#fields;
  }
}

const SOTW_ENTRIES = new WeakMap<Prepared, Buffer>();
const DELTA_ENTRIES = new WeakMap<Prepared, Buffer>();

/** One entry of a DiscoveryResponse's repeated `resources` field: tag, length and the Any. */
export function sotwEntry(p: Prepared): Buffer {
  return entry(SOTW_ENTRIES, p, () => SOTW_RESPONSE.encode({ resources: [p.any] }).finish());
}

/** One entry of a DeltaDiscoveryResponse's `resources`: a Resource with name, version and Any. */
export function deltaEntry(p: Prepared): Buffer {
  return entry(DELTA_ENTRIES, p, () =>
    DELTA_RESPONSE.encode({
      resources: [{ name: p.name, version: p.hash, resource: p.any }],
    }).finish(),
  );
}

function entry(cache: WeakMap<Prepared, Buffer>, p: Prepared, encode: () => Uint8Array): Buffer {
  let e = cache.get(p);
  if (!e) {
    e = asBuffer(encode());
    cache.set(p, e);
  }
  return e;
}

export class ResourceCache {
  readonly #packed = new Map<string, AnyMessage>();
  readonly #sets = new WeakMap<ReadonlyMap<string, Json>, Map<string, PreparedSet>>();
  /** Generated objects shared between proxies are hashed once. */
  readonly #byObject = new WeakMap<Json, Prepared>();
  readonly #max: number;

  constructor(max = 50_000) {
    this.#max = max;
  }

  /** Every resource of a generated set (the same Map object means the same content). */
  prepareAll(typeUrl: string, generated: ReadonlyMap<string, Json>): PreparedSet {
    let byType = this.#sets.get(generated);
    if (!byType) {
      byType = new Map();
      this.#sets.set(generated, byType);
    }
    let set = byType.get(typeUrl);
    if (!set) {
      set = new PreparedSet([...generated].map(([name, r]) => this.prepare(typeUrl, name, r)));
      byType.set(typeUrl, set);
    }
    return set;
  }

  prepare(typeUrl: string, name: string, resource: Json): Prepared {
    const known = this.#byObject.get(resource);
    if (known) return known;
    const json = JSON.stringify(resource);
    const hash = createHash("sha1").update(json).digest("base64url").slice(0, 16);
    const key = `${typeUrl}|${hash}`;
    let any = this.#packed.get(key);
    if (!any) {
      any = packAny(typeUrl, resource, name);
      if (this.#packed.size >= this.#max)
        this.#packed.delete(this.#packed.keys().next().value as string);
      this.#packed.set(key, any);
    }
    const prepared = { name, hash, any };
    this.#byObject.set(resource, prepared);
    return prepared;
  }
}
