// Content hashes and packed Anys of generated resources. Many proxies get byte-identical
// resources (the same cluster, the same route config), so a resource is encoded once per
// content and reused; hashes double as delta xDS resource versions.

import { createHash } from "node:crypto";
import { type AnyMessage, packAny } from "../envoy/index.ts";
import type { Json } from "./generators/common.ts";

export interface Prepared {
  readonly name: string;
  readonly hash: string;
  readonly any: AnyMessage;
}

export class ResourceCache {
  readonly #packed = new Map<string, AnyMessage>();
  /** Generated objects shared between proxies are hashed once. */
  readonly #byObject = new WeakMap<Json, Prepared>();
  readonly #max: number;

  constructor(max = 50_000) {
    this.#max = max;
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
