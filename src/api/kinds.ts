// The kinds the mesh understands: Istio's CRDs, the Kubernetes Gateway API, and the Kubernetes
// kinds the control plane reads. Each kind is known by its group and name; every served
// apiVersion maps to the same internal form (the spec schema is identical across versions).

export interface KindInfo {
  /** Kubernetes GroupKind string: `VirtualService.networking.istio.io`, or `Service` for core. */
  readonly id: string;
  readonly kind: string;
  /** API group; "" for the core group. */
  readonly group: string;
  /** Served versions, storage version first. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** Defined by a CRD whose schema lives in the CRD bundle (structural validation applies). */
  readonly crd: boolean;
}

function kind(
  group: string,
  name: string,
  versions: readonly string[],
  opts: { plural?: string; namespaced?: boolean; short?: readonly string[]; crd?: boolean } = {},
): KindInfo {
  return {
    id: group ? `${name}.${group}` : name,
    kind: name,
    group,
    versions,
    plural: opts.plural ?? `${name.toLowerCase()}s`,
    namespaced: opts.namespaced ?? true,
    shortNames: opts.short ?? [],
    crd: opts.crd ?? true,
  };
}

const NET = "networking.istio.io";
const SEC = "security.istio.io";
const GW = "gateway.networking.k8s.io";
const GW_X = "gateway.networking.x-k8s.io";
const INF = "inference.networking.k8s.io";
const INF_X = "inference.networking.x-k8s.io";
const V1_ALL = ["v1", "v1beta1", "v1alpha3"] as const;

export const KINDS: readonly KindInfo[] = [
  kind(NET, "VirtualService", V1_ALL, { short: ["vs"] }),
  kind(NET, "DestinationRule", V1_ALL, { short: ["dr"] }),
  kind(NET, "Gateway", V1_ALL, { short: ["gw"] }),
  kind(NET, "ServiceEntry", V1_ALL, { plural: "serviceentries", short: ["se"] }),
  kind(NET, "Sidecar", V1_ALL),
  kind(NET, "WorkloadEntry", V1_ALL, { plural: "workloadentries", short: ["we"] }),
  kind(NET, "WorkloadGroup", V1_ALL, { short: ["wg"] }),
  kind(NET, "EnvoyFilter", ["v1alpha3"]),
  kind(NET, "ProxyConfig", ["v1beta1"]),
  kind(SEC, "PeerAuthentication", ["v1", "v1beta1"], { short: ["pa"] }),
  kind(SEC, "RequestAuthentication", ["v1", "v1beta1"], { short: ["ra"] }),
  kind(SEC, "AuthorizationPolicy", ["v1", "v1beta1"], {
    plural: "authorizationpolicies",
    short: ["ap"],
  }),
  kind("telemetry.istio.io", "Telemetry", ["v1alpha1", "v1"], {
    plural: "telemetries",
    short: ["telemetry"],
  }),
  kind("extensions.istio.io", "WasmPlugin", ["v1alpha1"]),
  kind("extensions.istio.io", "TrafficExtension", ["v1alpha1"]),
  kind(GW, "GatewayClass", ["v1", "v1beta1"], {
    plural: "gatewayclasses",
    namespaced: false,
    short: ["gc"],
  }),
  kind(GW, "Gateway", ["v1", "v1beta1"], { short: ["gtw"] }),
  kind(GW, "HTTPRoute", ["v1", "v1beta1"]),
  kind(GW, "GRPCRoute", ["v1"]),
  kind(GW, "TCPRoute", ["v1", "v1alpha2"]),
  kind(GW, "TLSRoute", ["v1", "v1alpha2", "v1alpha3"]),
  kind(GW, "UDPRoute", ["v1", "v1alpha2"]),
  kind(GW, "ReferenceGrant", ["v1beta1", "v1"], { short: ["refgrant"] }),
  kind(GW, "ListenerSet", ["v1"], { short: ["lset"] }),
  kind(GW, "BackendTLSPolicy", ["v1", "v1alpha3"], {
    plural: "backendtlspolicies",
    short: ["btlspolicy"],
  }),
  kind(GW_X, "XBackendTrafficPolicy", ["v1alpha1"], {
    plural: "xbackendtrafficpolicies",
    short: ["xbtrafficpolicy"],
  }),
  kind(GW_X, "XMesh", ["v1alpha1"], { plural: "xmeshes", namespaced: false }),
  kind(GW_X, "XBackend", ["v1alpha1"]),
  kind(INF, "InferencePool", ["v1"], { short: ["infpool"] }),
  kind(INF_X, "InferenceObjective", ["v1alpha2"]),
  kind(INF_X, "InferenceModelRewrite", ["v1alpha2"]),
  kind(INF_X, "InferencePoolImport", ["v1alpha1"]),
  kind("", "Namespace", ["v1"], { namespaced: false, short: ["ns"], crd: false }),
  kind("", "Service", ["v1"], { short: ["svc"], crd: false }),
  kind("", "Endpoints", ["v1"], { plural: "endpoints", short: ["ep"], crd: false }),
  kind("", "Pod", ["v1"], { short: ["po"], crd: false }),
  kind("", "Secret", ["v1"], { crd: false }),
  kind("", "ConfigMap", ["v1"], { short: ["cm"], crd: false }),
  kind("", "ServiceAccount", ["v1"], { short: ["sa"], crd: false }),
  kind("", "Node", ["v1"], { namespaced: false, short: ["no"], crd: false }),
  kind("discovery.k8s.io", "EndpointSlice", ["v1"], { crd: false }),
  kind("apps", "Deployment", ["v1"], { short: ["deploy"], crd: false }),
  kind("networking.k8s.io", "Ingress", ["v1"], {
    plural: "ingresses",
    short: ["ing"],
    crd: false,
  }),
  kind("networking.k8s.io", "IngressClass", ["v1"], {
    plural: "ingressclasses",
    namespaced: false,
    crd: false,
  }),
  kind("admissionregistration.k8s.io", "MutatingWebhookConfiguration", ["v1"], {
    namespaced: false,
    crd: false,
  }),
];

const byId = new Map(KINDS.map((k) => [k.id, k]));

/** Splits `networking.istio.io/v1` into group and version; `v1` is the core group. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function kindById(id: string): KindInfo | undefined {
  return byId.get(id);
}

export function findKind(group: string, name: string): KindInfo | undefined {
  return byId.get(group ? `${name}.${group}` : name);
}

/**
 * Resolves a name a user types (`vs`, `virtualservice`, `virtualservices`,
 * `gateways.gateway.networking.k8s.io`) to kinds. Istio kinds win over same-named Gateway API
 * kinds unless the group is given, as with kubectl and istioctl.
 */
export function lookupKind(name: string): KindInfo | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf(".");
  const base = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  return KINDS.find(
    (k) =>
      (group === undefined || k.group === group) &&
      (k.kind.toLowerCase() === base || k.plural === base || k.shortNames.includes(base)),
  );
}
