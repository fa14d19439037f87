// Kubernetes Services and their endpoints: EndpointSlices when present, else the legacy
// Endpoints object, else the pods (and WorkloadEntries) the selector picks, as the endpoint
// controller would, so that a cluster's state can live in plain files.

import type { Resource } from "../api/resource.ts";
import { serviceHostname } from "./hosts.ts";
import { kubePortProtocol } from "./protocol.ts";
import type { Endpoint, Service, ServicePort, Workload } from "./types.ts";
import { NO_LOCALITY } from "./types.ts";
import { selectorMatches } from "./workloads.ts";

interface KubeServiceSpec {
  clusterIP?: string;
  type?: string;
  externalName?: string;
  selector?: Record<string, string>;
  ports?: {
    name?: string;
    port: number;
    targetPort?: number | string;
    protocol?: string;
    appProtocol?: string;
  }[];
}

interface SliceBody {
  endpoints?: {
    addresses?: string[];
    conditions?: { ready?: boolean };
    targetRef?: { kind?: string; name?: string };
    zone?: string;
  }[];
  ports?: { name?: string; port?: number }[];
}

interface EndpointsBody {
  subsets?: {
    addresses?: { ip: string; targetRef?: { name?: string } }[];
    notReadyAddresses?: { ip: string; targetRef?: { name?: string } }[];
    ports?: { name?: string; port: number }[];
  }[];
}

export const EXPORT_TO_ANNOTATION = "networking.istio.io/exportTo";

export function kubeService(svc: Resource, suffix: string): Service {
  const spec = svc.spec as KubeServiceSpec;
  const ns = svc.metadata.namespace ?? "default";
  const headless = spec.clusterIP === "None";
  const external = spec.type === "ExternalName";
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name ?? "",
    port: p.port,
    protocol: kubePortProtocol(p),
    targetPort: typeof p.targetPort === "number" ? p.targetPort : p.targetPort ? undefined : p.port,
    targetPortName: typeof p.targetPort === "string" ? p.targetPort : undefined,
  }));
  const exportTo = svc.metadata.annotations?.[EXPORT_TO_ANNOTATION];
  return {
    hostname: serviceHostname(svc.metadata.name, ns, suffix),
    namespace: ns,
    name: svc.metadata.name,
    source: "Kubernetes",
    address: headless || external || !spec.clusterIP ? "0.0.0.0" : spec.clusterIP,
    ports,
    resolution: external ? "DNSLB" : headless ? "Passthrough" : "ClientSideLB",
    meshExternal: external,
    exportTo: exportTo ? exportTo.split(",").map((s) => s.trim()) : [],
    labels: svc.metadata.labels ?? {},
    selector: spec.selector,
    headless,
    externalName: external ? spec.externalName : undefined,
  };
}

export interface KubeEndpointInputs {
  /** EndpointSlices by `namespace/service-name`. */
  readonly slices: ReadonlyMap<string, readonly Resource[]>;
  readonly endpoints: ReadonlyMap<string, Resource>;
  readonly podsByName: ReadonlyMap<string, Workload>;
  readonly podsByIp: ReadonlyMap<string, Workload>;
  readonly workloads: readonly Workload[];
}

/** What kubeEndpoints reads, indexed once per registry build. */
export function kubeEndpointInputs(
  store: { list(kindId?: string): Resource[] },
  pods: readonly Workload[],
  workloads: readonly Workload[],
): KubeEndpointInputs {
  const slices = new Map<string, Resource[]>();
  for (const s of store.list("EndpointSlice.discovery.k8s.io")) {
    const key = `${s.metadata.namespace}/${s.metadata.labels?.["kubernetes.io/service-name"]}`;
    const list = slices.get(key) ?? [];
    list.push(s);
    slices.set(key, list);
  }
  return {
    slices,
    endpoints: new Map(
      store.list("Endpoints").map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]),
    ),
    podsByName: new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p])),
    podsByIp: new Map(pods.map((p) => [p.address, p])),
    workloads,
  };
}

/** The endpoints of one Kubernetes service, over every port. */
export function kubeEndpoints(svc: Service, inputs: KubeEndpointInputs): Endpoint[] {
  if (svc.externalName) {
    return svc.ports.map((p) => externalEndpoint(svc, p, svc.externalName!));
  }
  const slices = inputs.slices.get(`${svc.namespace}/${svc.name}`) ?? [];
  const out: Endpoint[] = [];
  const podOf = (name: string | undefined, ip: string) =>
    (name ? inputs.podsByName.get(`${svc.namespace}/${name}`) : undefined) ??
    inputs.podsByIp.get(ip);
  if (slices.length > 0) {
    for (const slice of slices) {
      const body = slice.spec as SliceBody;
      for (const sp of svc.ports) {
        const port = body.ports?.find((p) => (p.name ?? "") === sp.name)?.port;
        if (port === undefined) continue;
        for (const e of body.endpoints ?? []) {
          for (const ip of e.addresses ?? []) {
            const w = podOf(e.targetRef?.name, ip);
            const ready = e.conditions?.ready ?? true;
            out.push(endpointFor(svc, sp, ip, port, w, ready, e.zone));
          }
        }
      }
    }
    return out;
  }
  const legacy = inputs.endpoints.get(`${svc.namespace}/${svc.name}`);
  if (legacy) {
    for (const subset of (legacy.spec as EndpointsBody).subsets ?? []) {
      for (const sp of svc.ports) {
        const port = subset.ports?.find((p) => (p.name ?? "") === sp.name)?.port;
        if (port === undefined) continue;
        for (const a of subset.addresses ?? []) {
          out.push(endpointFor(svc, sp, a.ip, port, podOf(a.targetRef?.name, a.ip), true));
        }
        for (const a of subset.notReadyAddresses ?? []) {
          out.push(endpointFor(svc, sp, a.ip, port, podOf(a.targetRef?.name, a.ip), false));
        }
      }
    }
    return out;
  }
  if (!svc.selector || Object.keys(svc.selector).length === 0) return out;
  for (const w of inputs.workloads) {
    if (w.namespace !== svc.namespace || !selectorMatches(svc.selector, w.labels)) continue;
    for (const sp of svc.ports) {
      const port = sp.targetPortName
        ? w.ports[sp.targetPortName]
        : w.kind === "WorkloadEntry"
          ? (w.ports[sp.name] ?? sp.targetPort ?? sp.port)
          : (sp.targetPort ?? sp.port);
      if (port === undefined) continue;
      out.push(endpointFor(svc, sp, w.address, port, w, w.ready));
    }
  }
  return out;
}

function endpointFor(
  svc: Service,
  sp: ServicePort,
  address: string,
  port: number,
  w: Workload | undefined,
  ready: boolean,
  zone?: string,
): Endpoint {
  const locality = w?.locality ?? (zone ? { ...NO_LOCALITY, zone } : NO_LOCALITY);
  return {
    hostname: svc.hostname,
    namespace: svc.namespace,
    servicePortName: sp.name,
    servicePort: sp.port,
    address,
    port,
    labels: w?.labels ?? {},
    serviceAccount: w ? w.serviceAccount : "",
    locality,
    healthy: ready && (w?.ready ?? true),
    weight: w?.weight ?? 1,
    network: w?.network ?? "",
    workload: w ? `${w.kind}/${w.namespace}/${w.name}` : "",
    tlsMode: w?.sidecar ? "istio" : "disabled",
  };
}

export function externalEndpoint(svc: Service, sp: ServicePort, host: string): Endpoint {
  return {
    hostname: svc.hostname,
    namespace: svc.namespace,
    servicePortName: sp.name,
    servicePort: sp.port,
    address: host,
    port: sp.targetPort ?? sp.port,
    labels: {},
    serviceAccount: "",
    locality: NO_LOCALITY,
    healthy: true,
    weight: 1,
    network: "",
    workload: "",
    tlsMode: "disabled",
  };
}
