// Which hosts exist: ServiceEntry hosts and Kubernetes Services, keyed by scoped FQDN
// (`scope/fqdn`), and the lookup of a destination host from a namespace, as Istio resolves
// VirtualService destinations during analysis.

import type { Resource } from "../../api/resource.ts";
import { K } from "../kinds.ts";
import type { Snapshot } from "../snapshot.ts";
import { list, num, obj, str, strs } from "./fields.ts";
import {
  EXPORT_ALL,
  EXPORT_LOCAL,
  exportScopes,
  scopedFqdn,
  splitScoped,
  toFqdn,
} from "./hosts.ts";

export interface HostPort {
  readonly number: number | undefined;
  readonly name: string;
  readonly protocol: string;
}

/** A host's definition: the ports it exposes (a ServiceEntry, or a Service seen as one). */
export interface HostEntry {
  readonly ports: readonly HostPort[];
  readonly resource: Resource;
}

export type HostMap = Map<string, HostEntry>;

export function serviceEntryHostMap(snapshot: Snapshot): HostMap {
  const result: HostMap = new Map();
  for (const r of snapshot.list(K.ServiceEntry)) {
    const ns = r.metadata.namespace ?? "";
    const entry: HostEntry = {
      resource: r,
      ports: list(r.spec.ports).map((p) => {
        const o = obj(p);
        return { number: num(o.number), name: str(o.name), protocol: str(o.protocol) };
      }),
    };
    const scopes = exportScopes(ns, strs(r.spec.exportTo));
    for (const h of strs(r.spec.hosts)) {
      for (const scope of scopes) result.set(scopedFqdn(scope, ns, h), entry);
    }
  }
  for (const r of snapshot.list(K.Service)) {
    const ns = r.metadata.namespace ?? "";
    const entry: HostEntry = {
      resource: r,
      ports: list(r.spec.ports).map((p) => {
        const o = obj(p);
        return { number: num(o.port), name: str(o.name), protocol: str(o.protocol) };
      }),
    };
    const anno = r.metadata.annotations?.["networking.istio.io/exportTo"] ?? "";
    const scopes = anno === "" ? [EXPORT_ALL] : anno.split(",").map((s) => (s === "." ? ns : s));
    for (const scope of scopes) result.set(scopedFqdn(scope, ns, r.metadata.name), entry);
  }
  return result;
}

/** The entry defining `host` as seen from `sourceNs` with the referrer's exportTo. */
export function destinationHost(
  sourceNs: string,
  exportTo: readonly string[],
  host: string,
  hosts: HostMap,
): HostEntry | undefined {
  const all = hosts.get(scopedFqdn(EXPORT_ALL, sourceNs, host));
  if (all) return all;
  if (exportTo.length === 0) {
    const local = hosts.get(scopedFqdn(sourceNs, sourceNs, host));
    if (local) return local;
  } else {
    for (const e of exportTo) {
      const s = hosts.get(scopedFqdn(e === EXPORT_LOCAL ? sourceNs : e, sourceNs, host));
      if (s) return s;
    }
  }
  // Wildcard entries last: `*.example.com` defines `a.example.com`.
  const bare = host.startsWith("*") ? host.slice(1) : host;
  for (const [scoped, s] of hosts) {
    const [scope, seHost] = splitScoped(scoped);
    if (!seHost.startsWith("*")) continue;
    if (scope !== EXPORT_ALL && scope !== sourceNs) continue;
    if (bare.endsWith(seHost.slice(1))) return s;
  }
  return undefined;
}

export { toFqdn };
