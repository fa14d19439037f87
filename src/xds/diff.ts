// What a config change does to one proxy: its xDS generated before and after with the pure
// generators, compared resource by resource (`mast apply --dry-run`). Nothing is pushed.

import { TYPE_URL } from "../envoy/index.ts";
import type { MeshProxy } from "../model/proxy.ts";
import type { PushContext } from "../model/push-context.ts";
import type { Json } from "./generators/common.ts";
import { generate } from "./generators/index.ts";

/** istioctl's short names of the xDS types, in the order they are reported. */
export const XDS_TYPE_NAMES = [
  ["listener", TYPE_URL.LISTENER],
  ["route", TYPE_URL.ROUTE_CONFIGURATION],
  ["cluster", TYPE_URL.CLUSTER],
  ["endpoint", TYPE_URL.CLUSTER_LOAD_ASSIGNMENT],
] as const;

export type XdsTypeName = (typeof XDS_TYPE_NAMES)[number][0];

export interface ResourceChange {
  readonly type: XdsTypeName;
  readonly name: string;
  readonly change: "added" | "removed" | "changed";
  readonly before?: Json;
  readonly after?: Json;
}

/** Resources added, removed or changed between two snapshots, by type then name. */
export function xdsChanges(
  before: { proxy: MeshProxy; push: PushContext },
  after: { proxy: MeshProxy; push: PushContext },
): ResourceChange[] {
  const out: ResourceChange[] = [];
  for (const [type, url] of XDS_TYPE_NAMES) {
    const old = generate(before.proxy, before.push, url);
    const now = generate(after.proxy, after.push, url);
    const names = [...new Set([...old.keys(), ...now.keys()])].sort();
    for (const name of names) {
      const a = old.get(name);
      const b = now.get(name);
      if (!a) out.push({ type, name, change: "added", after: b });
      else if (!b) out.push({ type, name, change: "removed", before: a });
      else if (JSON.stringify(a) !== JSON.stringify(b))
        out.push({ type, name, change: "changed", before: a, after: b });
    }
  }
  return out;
}
