// The PushContext: an immutable snapshot of everything the generators read (registry, routing
// and policy config, mesh settings), with per-namespace and per-proxy lookups memoised inside.
// Built from the config store in one pass; never mutated after construction.

import { DefaultMeshConfig, type MeshConfig } from "../api/mesh-config.ts";
import type { Resource } from "../api/resource.ts";
import { KIND, type VirtualServiceSpec } from "../api/types/index.ts";
import { DEFAULT_DOMAIN_SUFFIX, hostsOverlap } from "../registry/hosts.ts";
import { buildRegistry, type Registry, type ResourceLister } from "../registry/registry.ts";
import type { Service } from "../registry/types.ts";
import {
  byCreation,
  DestinationRuleIndex,
  type MergedDestinationRule,
} from "./destination-rules.ts";
import { EnvoyFilterIndex, type ProxyPatches } from "./envoy-filters.ts";
import { type GatewayConfig, gatewayConfig, gatewaySelects } from "./gateways.ts";
import { type ApplicablePolicies, applicablePolicies } from "./policies.ts";
import type { MeshProxy } from "./proxy.ts";
import { type SidecarScope, scopeImports, selectSidecar, sidecarScope } from "./sidecar-scope.ts";
import {
  MESH_GATEWAY,
  mergeDelegates,
  normaliseVirtualService,
  type VirtualServiceConfig,
} from "./virtual-services.ts";
import { visibleTo } from "./visibility.ts";

export interface PushContextOptions {
  readonly mesh?: MeshConfig;
  readonly domainSuffix?: string;
  /** An opaque version for the snapshot (the store revision). */
  readonly version?: string;
}

export class PushContext {
  readonly version: string;
  readonly mesh: MeshConfig;
  readonly domainSuffix: string;
  readonly registry: Registry;
  /** Root VirtualServices with delegates merged, oldest first. */
  readonly virtualServices: readonly VirtualServiceConfig[];
  readonly destinationRules: DestinationRuleIndex;
  readonly gateways: readonly GatewayConfig[];
  readonly sidecars: readonly Resource[];
  readonly envoyFilters: EnvoyFilterIndex;
  readonly #store: ResourceLister;
  readonly #memo = new Map<string, unknown>();

  private constructor(store: ResourceLister, registry: Registry, opts: PushContextOptions) {
    this.#store = store;
    this.registry = registry;
    this.mesh = opts.mesh ?? DefaultMeshConfig;
    this.domainSuffix = opts.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
    this.version = opts.version ?? "0";
    const vs = store
      .list(KIND.VirtualService)
      .sort(byCreation)
      .map((r) => normaliseVirtualService(r, this.domainSuffix));
    this.virtualServices = Object.freeze(mergeDelegates(vs));
    this.destinationRules = new DestinationRuleIndex(
      store.list(KIND.DestinationRule),
      this.mesh.rootNamespace,
      this.domainSuffix,
      this.mesh.defaultDestinationRuleExportTo,
    );
    this.gateways = Object.freeze(store.list(KIND.Gateway).sort(byCreation).map(gatewayConfig));
    this.sidecars = Object.freeze(store.list(KIND.Sidecar).sort(byCreation));
    this.envoyFilters = new EnvoyFilterIndex(store.list(KIND.EnvoyFilter), this.mesh.rootNamespace);
  }

  static build(store: ResourceLister, opts: PushContextOptions = {}): PushContext {
    const snapshot = new Snapshot(store);
    const registry = buildRegistry(snapshot, { domainSuffix: opts.domainSuffix });
    return new PushContext(snapshot, registry, opts);
  }

  /**
   * A new snapshot over the same store reusing an unchanged registry (config-only changes), or
   * updating only the endpoints of `endpointsOf` (Kubernetes `namespace/name`) when nothing but
   * EndpointSlices and Endpoints changed.
   */
  static rebuild(
    prev: PushContext,
    store: ResourceLister,
    registryChanged: boolean,
    version: string,
    endpointsOf?: ReadonlySet<string>,
  ): PushContext {
    const snapshot = new Snapshot(store);
    const registry = !registryChanged
      ? prev.registry
      : ((endpointsOf && prev.registry.withEndpointsFrom(snapshot, endpointsOf)) ??
        buildRegistry(snapshot, { domainSuffix: prev.domainSuffix }));
    return new PushContext(snapshot, registry, {
      mesh: prev.mesh,
      domainSuffix: prev.domainSuffix,
      version,
    });
  }

  /**
   * What of a proxy's labels its routes, endpoints and name table depend on: all of them when a
   * Sidecar, DestinationRule or EnvoyFilter selects workloads by label or a VirtualService
   * matches sourceLabels (or for a gateway, which Gateways select); otherwise nothing, and every
   * sidecar of a namespace shares them.
   */
  labelScope(proxy: Pick<MeshProxy, "type" | "labels">): string {
    const labelled = this.memoise("label-scoped", () => {
      const selects = (r: Resource) =>
        (r.spec as { workloadSelector?: { labels?: object } }).workloadSelector?.labels;
      return (
        this.sidecars.some(selects) ||
        this.#store.list(KIND.EnvoyFilter).some(selects) ||
        this.destinationRules.selectsWorkloads ||
        this.virtualServices.some((v) => matchesSourceLabels(v.spec))
      );
    });
    return labelled || proxy.type === "router" ? JSON.stringify(proxy.labels) : "";
  }

  /**
   * A value derived from this snapshot, made once and shared by every proxy that asks (Istio's
   * XdsCache plays this part): the key must name every input besides the snapshot.
   */
  memoise<T>(key: string, make: () => T): T {
    if (this.#memo.has(key)) return this.#memo.get(key) as T;
    const v = make();
    this.#memo.set(key, v);
    return v;
  }

  sidecarScope(proxy: Pick<MeshProxy, "namespace" | "labels">): SidecarScope {
    const key = `scope|${proxy.namespace}|${JSON.stringify(proxy.labels)}`;
    return this.memoise(key, () =>
      sidecarScope(
        selectSidecar(this.sidecars, proxy.namespace, proxy.labels, this.mesh.rootNamespace),
        proxy.namespace,
        this.mesh.outboundTrafficPolicy.mode,
      ),
    );
  }

  /** Services a proxy sees: exported to its namespace and imported by its Sidecar, one per host. */
  servicesFor(proxy: Pick<MeshProxy, "namespace" | "labels">): readonly Service[] {
    const scope = this.sidecarScope(proxy);
    const key = `svc|${proxy.namespace}|${scope.sidecar ?? ""}`;
    return this.memoise(key, () => {
      const byHost = new Map<string, Service>();
      for (const s of this.registry.services) {
        if (!visibleTo(s.exportTo, s.namespace, proxy.namespace, this.mesh.defaultServiceExportTo))
          continue;
        if (!scopeImports(scope, s.namespace, s.hostname)) continue;
        const prev = byHost.get(s.hostname);
        // The same host in several namespaces: the client's own namespace wins.
        if (!prev || (s.namespace === proxy.namespace && prev.namespace !== proxy.namespace)) {
          byHost.set(s.hostname, s);
        }
      }
      return Object.freeze([...byHost.values()]);
    });
  }

  /** The service a client in `namespace` reaches for `hostname`, if it can see one. */
  serviceFor(
    proxy: Pick<MeshProxy, "namespace" | "labels">,
    hostname: string,
  ): Service | undefined {
    const scope = this.sidecarScope(proxy);
    const key = `svcmap|${proxy.namespace}|${scope.sidecar ?? ""}`;
    const byHost = this.memoise(
      key,
      () => new Map(this.servicesFor(proxy).map((s) => [s.hostname, s])),
    );
    return byHost.get(hostname);
  }

  /** VirtualServices bound to `gateway` (`mesh` or `ns/name`) visible from `namespace`. */
  virtualServicesFor(
    proxy: Pick<MeshProxy, "namespace" | "labels">,
    gateway: string = MESH_GATEWAY,
  ): readonly VirtualServiceConfig[] {
    const scope = gateway === MESH_GATEWAY ? this.sidecarScope(proxy) : undefined;
    const key = `vs|${proxy.namespace}|${gateway}|${scope?.sidecar ?? ""}`;
    return this.memoise(key, () =>
      this.virtualServices.filter((v) => {
        if (!v.gateways.includes(gateway) && !routesMentionGateway(v, gateway)) return false;
        if (
          !visibleTo(
            v.exportTo,
            v.namespace,
            proxy.namespace,
            this.mesh.defaultVirtualServiceExportTo,
          )
        ) {
          return false;
        }
        return !scope || v.hosts.some((h) => scopeImports(scope, v.namespace, h));
      }),
    );
  }

  /** The merged DestinationRule a proxy applies to a service. */
  destinationRule(
    proxy: Pick<MeshProxy, "namespace" | "labels">,
    svc: Service,
  ): MergedDestinationRule | undefined {
    return this.destinationRules.lookup(proxy.namespace, proxy.labels, svc.hostname, svc.namespace);
  }

  gatewaysFor(proxy: Pick<MeshProxy, "labels">): readonly GatewayConfig[] {
    return this.gateways.filter((g) => gatewaySelects(g, proxy.labels));
  }

  /** The EnvoyFilter patches that apply to a proxy, by applyTo, in application order. */
  envoyFiltersFor(
    proxy: Pick<MeshProxy, "namespace" | "labels" | "istioVersion" | "nodeMetadata">,
  ): ProxyPatches {
    if (this.envoyFilters.empty) return NO_PATCHES;
    const key = `ef|${proxy.namespace}|${JSON.stringify(proxy.labels)}|${this.envoyFilters.proxyKey(proxy)}`;
    return this.memoise(key, () => this.envoyFilters.forProxy(proxy));
  }

  /** Policies of one kind (a kind id) that apply to the proxy's workload. */
  policiesFor(kindId: string, proxy: Pick<MeshProxy, "namespace" | "labels">): ApplicablePolicies {
    return applicablePolicies(
      this.#store.list(kindId),
      proxy.namespace,
      proxy.labels,
      this.mesh.rootNamespace,
    );
  }

  /** Hosts any VirtualService for `gateway` names, for wildcard/virtual-host building. */
  hostsOverlapping(host: string): Service[] {
    return this.registry.services.filter((s) => hostsOverlap(host, s.hostname));
  }
}

const NO_PATCHES: ProxyPatches = new Map();

/** The store's objects at one instant, so a PushContext never sees later writes. */
class Snapshot implements ResourceLister {
  readonly #byKind = new Map<string, Resource[]>();
  constructor(store: ResourceLister) {
    for (const r of store.list()) {
      const list = this.#byKind.get(r.kind.id) ?? [];
      list.push(r);
      this.#byKind.set(r.kind.id, list);
    }
  }
  list(kindId?: string): Resource[] {
    if (kindId === undefined) return [...this.#byKind.values()].flat();
    return [...(this.#byKind.get(kindId) ?? [])];
  }
}

/** A match-level `gateways` also binds a VirtualService (only for the routes that name it). */
function routesMentionGateway(v: VirtualServiceConfig, gateway: string): boolean {
  return v.spec.http?.some((h) => h.match?.some((m) => m.gateways?.includes(gateway))) ?? false;
}

/** Whether any route of the VirtualService matches on the client's labels. */
function matchesSourceLabels(spec: VirtualServiceSpec): boolean {
  const routes = [...(spec.http ?? []), ...(spec.tcp ?? []), ...(spec.tls ?? [])];
  return routes.some((r) => r.match?.some((m) => m.sourceLabels !== undefined));
}
