// The service registry's data: services, their ports and endpoints, and the workloads behind
// them, in Istio's model (pilot/pkg/model/service.go) rather than any one source's shape.

export type Protocol =
  | "HTTP"
  | "HTTP2"
  | "HTTP_PROXY"
  | "GRPC"
  | "GRPC-Web"
  | "HTTPS"
  | "TLS"
  | "TCP"
  | "UDP"
  | "Mongo"
  | "Redis"
  | "MySQL"
  /** Not declared: the proxy sniffs HTTP vs TCP ("auto-detection"). */
  | "UNSUPPORTED";

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** Target port number when known from the source (ServiceEntry targetPort, numeric targetPort). */
  readonly targetPort?: number;
  /** Named target port of a Kubernetes Service, resolved per pod. */
  readonly targetPortName?: string;
}

/** How a client finds endpoints: Istio's model.Resolution. */
export type Resolution = "ClientSideLB" | "DNSLB" | "DNSRoundRobinLB" | "Passthrough";

export interface Service {
  /** Fully qualified host: `reviews.default.svc.cluster.local`, or a ServiceEntry host. */
  readonly hostname: string;
  readonly namespace: string;
  /** Kubernetes Service name, or the ServiceEntry's name. */
  readonly name: string;
  readonly source: "Kubernetes" | "ServiceEntry";
  /** The VIP, or "0.0.0.0" when the service has none (headless, SE without addresses). */
  readonly address: string;
  readonly ports: readonly ServicePort[];
  readonly resolution: Resolution;
  readonly meshExternal: boolean;
  /** Namespaces this service is visible in; `*` means all, `~` none. Empty means the default. */
  readonly exportTo: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** Workload selector (Service selector, ServiceEntry workloadSelector.labels). */
  readonly selector?: Readonly<Record<string, string>>;
  readonly headless: boolean;
  /** ExternalName target, for `type: ExternalName` services. */
  readonly externalName?: string;
}

export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

/** One address serving one port of one service: Istio's IstioEndpoint. */
export interface Endpoint {
  readonly hostname: string;
  readonly namespace: string;
  readonly servicePortName: string;
  readonly servicePort: number;
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly locality: Locality;
  readonly healthy: boolean;
  readonly weight: number;
  readonly network: string;
  readonly workload: string;
  /** `istio` when the workload runs a sidecar (mTLS capable), else `disabled`. */
  readonly tlsMode: "istio" | "disabled";
}

/** A Pod or WorkloadEntry: something a proxy runs beside. */
export interface Workload {
  readonly kind: "Pod" | "WorkloadEntry";
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly locality: Locality;
  readonly ready: boolean;
  readonly network: string;
  /** Named container ports (Pods) or WorkloadEntry port map. */
  readonly ports: Readonly<Record<string, number>>;
  readonly weight: number;
  readonly sidecar: boolean;
}

export const NO_LOCALITY: Locality = Object.freeze({ region: "", zone: "", subzone: "" });

export function localityString(l: Locality): string {
  return [l.region, l.zone, l.subzone].filter((s, i, a) => s || a.slice(i).some(Boolean)).join("/");
}

/** Parses Istio's `region/zone/subzone` form. */
export function parseLocality(s: string | undefined): Locality {
  if (!s) return NO_LOCALITY;
  const [region = "", zone = "", subzone = ""] = s.split("/");
  return { region, zone, subzone };
}
