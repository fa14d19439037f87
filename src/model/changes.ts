// What a batch of config changes touches: the hosts and namespaces affected and whether the
// registry must be rebuilt, and for a given proxy whether its config may have changed, so
// that only those proxies are regenerated and pushed (Istio's ConfigsUpdated + ProxyNeedsPush).

import type { Resource } from "../api/resource.ts";
import { KIND } from "../api/types/index.ts";
import type { ChangeEvent } from "../config/store.ts";
import { hostsOverlap, resolveShortName, serviceHostname } from "../registry/hosts.ts";
import { selectorMatches } from "../registry/workloads.ts";
import type { MeshProxy } from "./proxy.ts";
import type { PushContext } from "./push-context.ts";

export interface ConfigUpdate {
  /** Every proxy needs a recompute (mesh-wide config, root-namespace Sidecar, …). */
  readonly full: boolean;
  readonly kinds: ReadonlySet<string>;
  /** Hostnames whose services, endpoints or routing changed. */
  readonly hosts: ReadonlySet<string>;
  /** Namespaces whose namespace-scoped config (Sidecar, policies) changed. */
  readonly namespaces: ReadonlySet<string>;
  /** Addresses of workloads that changed (their own inbound config may differ). */
  readonly workloads: ReadonlySet<string>;
  readonly registryChanged: boolean;
}

const REGISTRY_KINDS = new Set<string>([
  KIND.Service,
  KIND.EndpointSlice,
  KIND.Endpoints,
  KIND.Pod,
  KIND.Node,
  KIND.ServiceEntry,
  KIND.WorkloadEntry,
]);
const POLICY_KINDS = new Set<string>([
  KIND.Sidecar,
  KIND.PeerAuthentication,
  KIND.AuthorizationPolicy,
  KIND.RequestAuthentication,
  KIND.Telemetry,
  KIND.EnvoyFilter,
  KIND.WasmPlugin,
]);

const ENDPOINT_KINDS = new Set<string>([KIND.EndpointSlice, KIND.Endpoints]);

/**
 * The Kubernetes services (`namespace/name`) whose endpoints a batch changes, when it changes
 * nothing but EndpointSlices and Endpoints (Istio's EDS-only update); undefined otherwise.
 */
export function endpointOnlyServices(events: readonly ChangeEvent[]): Set<string> | undefined {
  const out = new Set<string>();
  for (const e of events) {
    if (!ENDPOINT_KINDS.has(e.resource.kind.id)) return undefined;
    for (const r of [e.resource, e.previous]) {
      if (!r) continue;
      const name =
        r.kind.id === KIND.Endpoints
          ? r.metadata.name
          : r.metadata.labels?.["kubernetes.io/service-name"];
      if (!name) return undefined;
      out.add(`${r.metadata.namespace ?? "default"}/${name}`);
    }
  }
  return out;
}

/** Whether an update changed endpoints only: listeners, routes and clusters stand. */
export function endpointsOnly(update: ConfigUpdate): boolean {
  return (
    !update.full && update.kinds.size > 0 && [...update.kinds].every((k) => ENDPOINT_KINDS.has(k))
  );
}

/** Describes a batch of store events against the snapshots before and after it. */
export function describeChanges(
  events: readonly ChangeEvent[],
  prev: PushContext | undefined,
  next: PushContext,
): ConfigUpdate {
  const kinds = new Set<string>();
  const hosts = new Set<string>();
  const namespaces = new Set<string>();
  const workloads = new Set<string>();
  let full = prev === undefined;
  const suffix = next.domainSuffix;
  for (const e of events) {
    const versions = [e.resource, e.previous].filter((r): r is Resource => r !== undefined);
    const id = e.resource.kind.id;
    kinds.add(id);
    for (const r of versions) {
      const ns = r.metadata.namespace ?? "default";
      const spec = r.spec as Record<string, unknown>;
      switch (id) {
        case KIND.Service:
        case KIND.Endpoints:
          hosts.add(serviceHostname(r.metadata.name, ns, suffix));
          break;
        case KIND.EndpointSlice: {
          const svc = r.metadata.labels?.["kubernetes.io/service-name"];
          if (svc) hosts.add(serviceHostname(svc, ns, suffix));
          break;
        }
        case KIND.ServiceEntry:
          for (const h of (spec.hosts as string[] | undefined) ?? []) hosts.add(h.toLowerCase());
          break;
        case KIND.VirtualService:
          for (const h of (spec.hosts as string[] | undefined) ?? [])
            hosts.add(resolveShortName(h, ns, suffix));
          // Delegates have no hosts: their roots' hosts are what changes.
          if (!(spec.hosts as string[] | undefined)?.length) full = true;
          break;
        case KIND.DestinationRule:
          hosts.add(resolveShortName(String(spec.host ?? ""), ns, suffix));
          break;
        case KIND.Pod:
        case KIND.WorkloadEntry: {
          const labels = {
            ...(r.metadata.labels ?? {}),
            ...((spec.labels as Record<string, string>) ?? {}),
          };
          for (const ctx of [prev, next]) {
            for (const s of ctx?.registry.services ?? []) {
              if (s.namespace === ns && s.selector && selectorMatches(s.selector, labels))
                hosts.add(s.hostname);
            }
          }
          const status = r.status as { podIP?: string } | undefined;
          const addr = (status?.podIP ?? spec.address) as string | undefined;
          if (addr) workloads.add(addr);
          break;
        }
        case KIND.Gateway:
          break;
        default:
          if (POLICY_KINDS.has(id)) {
            if (ns === next.mesh.rootNamespace) full = true;
            namespaces.add(ns);
          } else if (id === KIND.Node || id === KIND.Namespace) {
            full = true;
          }
      }
    }
  }
  const registryChanged = full || [...kinds].some((k) => REGISTRY_KINDS.has(k));
  return { full, kinds, hosts, namespaces, workloads, registryChanged };
}

/**
 * Whether a proxy's generated config may differ after this update. `prev` (the snapshot before)
 * catches hosts that were deleted: the proxy saw them before, so it must lose them now.
 */
export function proxyNeedsPush(
  proxy: MeshProxy,
  update: ConfigUpdate,
  push: PushContext,
  prev?: PushContext,
): boolean {
  if (update.full) return true;
  if (update.namespaces.has(proxy.namespace)) return true;
  if (update.workloads.has(proxy.ip)) return true;
  if (proxy.type === "router" && update.kinds.has(KIND.Gateway)) return true;
  if (update.hosts.size === 0) return false;
  // Hosts the proxy can see (services, and VirtualService hosts that may be wildcards).
  for (const s of push.servicesFor(proxy)) if (update.hosts.has(s.hostname)) return true;
  for (const s of prev?.servicesFor(proxy) ?? []) if (update.hosts.has(s.hostname)) return true;
  for (const v of push.virtualServicesFor(proxy)) {
    for (const h of v.hosts) for (const c of update.hosts) if (hostsOverlap(h, c)) return true;
  }
  if (proxy.type === "router") {
    for (const g of push.gatewaysFor(proxy)) {
      for (const v of push.virtualServicesFor(proxy, g.qualified)) {
        for (const h of v.hosts) for (const c of update.hosts) if (hostsOverlap(h, c)) return true;
        for (const r of v.spec.http ?? []) {
          for (const d of r.route ?? []) if (update.hosts.has(d.destination.host)) return true;
        }
      }
    }
  }
  // The proxy's own services (inbound) changed.
  if (proxy.workload) {
    for (const s of push.registry.servicesOf(proxy.workload))
      if (update.hosts.has(s.hostname)) return true;
  }
  return false;
}
