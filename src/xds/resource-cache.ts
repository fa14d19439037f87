// Content hashes and packed Anys of generated resources. Many proxies get byte-identical
// resources (the same cluster, the same route config), so a resource is encoded once per
// content and reused; hashes double as delta xDS resource versions. A whole generated set
// (shared by every proxy with the same scope for one snapshot, see DiscoveryServer) is prepared
// once too: its hashes, and the `resources` field of a SotW response carrying all of it, encoded
// once and appended to each proxy's response envelope (Istio's XdsCache serves the same purpose).

import { createHash } from "node:crypto";
import { type AnyMessage, messageType, packAny } from "../envoy/index.ts";
import type { Json } from "./generators/common.ts";

const SOTW_RESPONSE = messageType("envoy.service.discovery.v3.DiscoveryResponse");

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
  #blob: Buffer | undefined;

  constructor(prepared: readonly Prepared[]) {
    this.prepared = prepared;
    this.hashes = new Map(prepared.map((p) => [p.name, p.hash]));
  }

  /**
   * Field 2 (`resources`) of a DiscoveryResponse holding every resource, made on first use from
   * each resource's own encoding (shared by every set that holds it: proxies whose sets differ
   * only in a few resources, their inbound clusters say, share the bytes of all the others).
   */
  get encodedResources(): Buffer {
    if (!this.#blob) this.#blob = Buffer.concat(this.prepared.map(encodedField));
    return this.#blob;
  }
}

const FIELDS = new WeakMap<Prepared, Buffer>();

/** One entry of a DiscoveryResponse's repeated `resources` field: tag, length and the Any. */
function encodedField(p: Prepared): Buffer {
  let field = FIELDS.get(p);
  if (!field) {
    const u = SOTW_RESPONSE.encode({ resources: [p.any] }).finish();
    field = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    FIELDS.set(p, field);
  }
  return field;
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
