// The local mesh as its state directory describes it, for commands that reason about the mesh
// without asking its processes: the applied Istio config, the cluster `mast up` wrote (Services,
// Deployments, Pods), and each proxy's Envoy node and admin address from its bootstrap.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findKind } from "../api/kinds.ts";
import { keyOf, type Resource } from "../api/resource.ts";
import { KIND } from "../api/types/index.ts";
import { ConfigStore } from "../config/store.ts";
import { type NodeInfo, proxyFromNode } from "../model/proxy.ts";
import { PushContext } from "../model/push-context.ts";
import { type ResourceChange, xdsChanges } from "../xds/diff.ts";
import { readConfigDir } from "./config-dir.ts";
import type { MastHome } from "./home.ts";

export interface LocalProxy {
  /** The process name without `-proxy`: the workload (reviews-v1) or istio-ingressgateway. */
  readonly name: string;
  /** `<pod>.<namespace>`, as istioctl names proxies. */
  readonly pod: string;
  readonly node: NodeInfo;
  /** `host:port` of its admin interface. */
  readonly admin: string;
}

interface Bootstrap {
  readonly node: NodeInfo & { id: string };
  readonly admin: { address: { socket_address: { address: string; port_value: number } } };
}

/** Proxies of the local mesh, from the bootstraps `mast up` wrote (kept after `mast down`). */
export function localProxies(home: MastHome): LocalProxy[] {
  if (!existsSync(home.run)) return [];
  return readdirSync(home.run)
    .filter((f) => f.endsWith(".bootstrap.json"))
    .sort()
    .map((f) => {
      const b = JSON.parse(readFileSync(join(home.run, f), "utf8")) as Bootstrap;
      const sa = b.admin.address.socket_address;
      return {
        name: f.slice(0, -".bootstrap.json".length).replace(/-proxy$/, ""),
        pod: b.node.id.split("~")[2] ?? "",
        node: b.node,
        admin: `${sa.address}:${sa.port_value}`,
      };
    });
}

/**
 * The applied config and the cluster's objects, by key: what the control plane reads, with the
 * cluster as Kubernetes would hold it once Istio injected it (see `injected`).
 */
export function liveResources(home: MastHome): Map<string, Resource> {
  const out = readConfigDir(home.config);
  if (existsSync(home.cluster))
    for (const [k, r] of injected(readConfigDir(home.cluster))) out.set(k, r);
  return out;
}

const NAMESPACE_KIND = findKind("", "Namespace")!;
const INJECTED_PROXY = {
  name: "istio-proxy",
  image: "mast/proxy",
  ports: [{ containerPort: 15090, name: "http-envoy-prom", protocol: "TCP" }],
};

/**
 * Every pod `mast up` runs has a sidecar: its Pod gets the istio-proxy container the injector
 * would add, and each namespace gets its Namespace object, labelled for injection where pods
 * were injected. Analyzers and `x describe` then see what they would see in a cluster.
 */
function injected(cluster: Map<string, Resource>): Map<string, Resource> {
  const out = new Map<string, Resource>();
  const namespaces = new Map<string, boolean>();
  for (const [k, r] of cluster) {
    const ns = r.metadata.namespace;
    if (ns && !namespaces.has(ns)) namespaces.set(ns, false);
    const spec = r.spec as { containers?: { name: string }[] };
    if (r.kind.id !== KIND.Pod || spec.containers?.some((c) => c.name === INJECTED_PROXY.name)) {
      out.set(k, r);
      continue;
    }
    namespaces.set(ns ?? "default", true);
    out.set(k, {
      ...r,
      spec: { ...r.spec, containers: [...(spec.containers ?? []), INJECTED_PROXY] },
    });
  }
  for (const [name, withSidecars] of namespaces) {
    const ns: Resource = {
      kind: NAMESPACE_KIND,
      apiVersion: "v1",
      metadata: { name, labels: withSidecars ? { "istio-injection": "enabled" } : {} },
      spec: {},
    };
    const key = keyOf(ns);
    if (!cluster.has(key)) out.set(key, ns);
  }
  return out;
}

/** A snapshot of objects, as the control plane would build it from its store. */
export function pushContextOf(resources: Iterable<Resource>): PushContext {
  const store = new ConfigStore();
  store.commit([...resources].map((resource) => ({ op: "apply" as const, resource })));
  return PushContext.build(store);
}

export interface ProxyChanges {
  readonly proxy: LocalProxy;
  readonly changes: readonly ResourceChange[];
}

/** What applying or deleting objects (by key) would change in each proxy's xDS. */
export function configChanges(
  home: MastHome,
  change: { readonly apply?: readonly Resource[]; readonly remove?: readonly string[] },
): ProxyChanges[] {
  const current = liveResources(home);
  const next = new Map(current);
  for (const r of change.apply ?? []) next.set(keyOf(r), r);
  for (const key of change.remove ?? []) next.delete(key);
  const before = pushContextOf(current.values());
  const after = pushContextOf(next.values());
  return localProxies(home).map((p) => ({
    proxy: p,
    changes: xdsChanges(
      { proxy: proxyFromNode(p.node, before.registry), push: before },
      { proxy: proxyFromNode(p.node, after.registry), push: after },
    ),
  }));
}
