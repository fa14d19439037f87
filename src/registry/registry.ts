// The service registry: a pure function of the config store's objects that yields every
// service (Kubernetes and ServiceEntry), its endpoints and the workloads behind them, indexed
// by host, by namespace and by workload address.

import type { Resource } from "../api/resource.ts";
import { DEFAULT_DOMAIN_SUFFIX } from "./hosts.ts";
import { kubeEndpointInputs, kubeEndpoints, kubeService } from "./kube.ts";
import { serviceEntryEndpoints, serviceEntryServices } from "./service-entry.ts";
import type { Endpoint, Service, Workload } from "./types.ts";
import { podToWorkload, selectorMatches, workloadEntryToWorkload } from "./workloads.ts";

/** What the registry reads: the config store, or anything listing resources by kind id. */
export interface ResourceLister {
  list(kindId?: string): Resource[];
}

export interface RegistryOptions {
  readonly domainSuffix?: string;
}

export class Registry {
  /** Every service, sorted by hostname then namespace. */
  readonly services: readonly Service[];
  readonly workloads: readonly Workload[];
  readonly #byHost = new Map<string, Service[]>();
  readonly #endpoints = new Map<string, readonly Endpoint[]>();
  readonly #workloadByAddress = new Map<string, Workload>();
  readonly #workloadByName = new Map<string, Workload>();

  /** Services whose endpoints ServiceEntries add to (a rebuild, not withEndpointsFrom, for them). */
  readonly #mixedKeys: ReadonlySet<string>;

  constructor(
    services: Service[],
    endpoints: Map<string, Endpoint[]>,
    workloads: Workload[],
    mixedKeys: ReadonlySet<string> = new Set(),
  ) {
    this.#mixedKeys = mixedKeys;
    services.sort(
      (a, b) => a.hostname.localeCompare(b.hostname) || a.namespace.localeCompare(b.namespace),
    );
    this.services = Object.freeze(services);
    this.workloads = Object.freeze(workloads);
    for (const s of services) {
      const list = this.#byHost.get(s.hostname) ?? [];
      list.push(s);
      this.#byHost.set(s.hostname, list);
    }
    for (const [k, eps] of endpoints)
      this.#endpoints.set(k, Object.isFrozen(eps) ? eps : Object.freeze(eps.sort(compareEp)));
    for (const w of workloads) {
      this.#workloadByAddress.set(w.address, w);
      this.#workloadByName.set(`${w.namespace}/${w.name}`, w);
    }
  }

  /** Services with this exact hostname (one per namespace that defines it). */
  servicesByHost(hostname: string): readonly Service[] {
    return this.#byHost.get(hostname) ?? [];
  }

  endpoints(svc: Service): readonly Endpoint[] {
    return this.#endpoints.get(serviceKey(svc)) ?? [];
  }

  workloadByAddress(address: string): Workload | undefined {
    return this.#workloadByAddress.get(address);
  }

  workload(namespace: string, name: string): Workload | undefined {
    return this.#workloadByName.get(`${namespace}/${name}`);
  }

  /**
   * This registry with the endpoints of some Kubernetes services (`namespace/name`) re-read from
   * `store`: when only EndpointSlices or Endpoints changed, services and workloads stand.
   * Undefined when a ServiceEntry also adds endpoints to one of them: rebuild instead.
   */
  withEndpointsFrom(store: ResourceLister, services: ReadonlySet<string>): Registry | undefined {
    const pods = this.workloads.filter((w) => w.kind === "Pod");
    const inputs = kubeEndpointInputs(store, pods, this.workloads);
    const endpoints = new Map<string, Endpoint[]>(this.#endpoints as Map<string, Endpoint[]>);
    for (const s of this.services) {
      if (s.source !== "Kubernetes" || !services.has(`${s.namespace}/${s.name}`)) continue;
      if (this.#mixedKeys.has(serviceKey(s))) return undefined;
      endpoints.set(serviceKey(s), kubeEndpoints(s, inputs));
    }
    return new Registry([...this.services], endpoints, [...this.workloads], this.#mixedKeys);
  }

  /** Services whose selector picks this workload: what its inbound listeners serve. */
  servicesOf(w: Workload): Service[] {
    return this.services.filter(
      (s) => s.namespace === w.namespace && s.selector && selectorMatches(s.selector, w.labels),
    );
  }
}

export function serviceKey(s: Pick<Service, "namespace" | "hostname">): string {
  return `${s.namespace}/${s.hostname}`;
}

export function buildRegistry(store: ResourceLister, opts: RegistryOptions = {}): Registry {
  const suffix = opts.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
  const nodes = new Map(store.list("Node").map((n) => [n.metadata.name, n]));
  const pods: Workload[] = [];
  for (const p of store.list("Pod")) {
    const w = podToWorkload(p, nodes);
    if (w) pods.push(w);
  }
  const entries: Workload[] = [];
  for (const we of store.list("WorkloadEntry.networking.istio.io")) {
    const w = workloadEntryToWorkload(we);
    if (w) entries.push(w);
  }
  const workloads = [...pods, ...entries];
  const services: Service[] = [];
  const endpoints = new Map<string, Endpoint[]>();

  const kubeInputs = kubeEndpointInputs(store, pods, workloads);
  const byKey = new Map<string, Service>();
  const mixedKeys = new Set<string>();
  for (const r of store.list("Service")) {
    const svc = kubeService(r, suffix);
    services.push(svc);
    byKey.set(serviceKey(svc), svc);
    endpoints.set(serviceKey(svc), kubeEndpoints(svc, kubeInputs));
  }
  for (const se of store.list("ServiceEntry.networking.istio.io")) {
    for (const svc of serviceEntryServices(se)) {
      const key = serviceKey(svc);
      // Two entries for one host in one namespace: Istio merges their endpoints.
      const prev = byKey.get(key);
      if (!prev) {
        services.push(svc);
        byKey.set(key, svc);
      }
      if (prev) mixedKeys.add(key);
      const eps = serviceEntryEndpoints(se, prev ?? svc, workloads);
      endpoints.set(key, [...(endpoints.get(key) ?? []), ...eps]);
    }
  }
  return new Registry(services, endpoints, workloads, mixedKeys);
}

function compareEp(a: Endpoint, b: Endpoint): number {
  return a.servicePort - b.servicePort || a.address.localeCompare(b.address) || a.port - b.port;
}
