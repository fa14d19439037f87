// A connected proxy as the model sees it: parsed from the Envoy node Istio's agents and
// proxyless gRPC bootstraps send (id `sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`, metadata
// NAMESPACE, LABELS, SERVICE_ACCOUNT, CLUSTER_ID, GENERATOR), joined with its workload.

import type { Registry } from "../registry/registry.ts";
import type { Locality, Workload } from "../registry/types.ts";
import { NO_LOCALITY } from "../registry/types.ts";

export type ProxyType = "sidecar" | "router";

export interface MeshProxy {
  readonly id: string;
  readonly type: ProxyType;
  readonly ip: string;
  /** Pod name (or WorkloadEntry name) from the node id. */
  readonly podName: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly clusterId: string;
  /** `grpc` for proxyless gRPC clients, else undefined (Envoy-shaped output). */
  readonly generator?: string;
  readonly locality: Locality;
  readonly workload?: Workload;
  readonly istioVersion: string;
  /** `NONE` when nothing is captured (Istio's INTERCEPTION_MODE): listeners bind the pod IP. */
  readonly interceptionMode?: string;
  /** Without capture, where the application listens (Sidecar `ingress[].defaultEndpoint`). */
  readonly appIP?: string;
  /** Istio's HTTP10 metadata ("1"): the HCMs accept HTTP/1.0 instead of answering 426. */
  readonly http10: boolean;
  /** The node's metadata as sent, for EnvoyFilter `match.proxy.metadata`. */
  readonly nodeMetadata?: Readonly<Record<string, unknown>>;
}

/** The subset of an Envoy `config.core.v3.Node` the model reads. */
export interface NodeInfo {
  readonly id?: string;
  readonly cluster?: string;
  readonly locality?: { region?: string; zone?: string; sub_zone?: string };
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export class NodeError extends Error {}

/** Parses a node; unknown fields are ignored, a malformed id is an error naming the field. */
export function proxyFromNode(node: NodeInfo, registry?: Registry): MeshProxy {
  const id = node.id ?? "";
  const parts = id.split("~");
  if (parts.length !== 4) {
    throw new NodeError(
      `node.id: expected "<type>~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>", got ${JSON.stringify(id)}`,
    );
  }
  const [rawType, ip, podDotNs, dnsDomain] = parts;
  if (rawType !== "sidecar" && rawType !== "router") {
    throw new NodeError(
      `node.id: proxy type must be sidecar or router, got ${JSON.stringify(rawType)}`,
    );
  }
  const meta = node.metadata ?? {};
  const str = (k: string) => (typeof meta[k] === "string" ? (meta[k] as string) : undefined);
  const dot = podDotNs.indexOf(".");
  const podName = dot < 0 ? podDotNs : podDotNs.slice(0, dot);
  const namespace =
    str("NAMESPACE") ?? (dot < 0 ? undefined : podDotNs.slice(dot + 1)) ?? dnsDomain.split(".")[0];
  const workload =
    registry?.workload(namespace || "default", podName) ?? registry?.workloadByAddress(ip);
  const metaLabels = meta.LABELS;
  const labels =
    metaLabels && typeof metaLabels === "object"
      ? (metaLabels as Record<string, string>)
      : (workload?.labels ?? {});
  const loc = node.locality;
  const locality =
    loc && (loc.region || loc.zone || loc.sub_zone)
      ? { region: loc.region ?? "", zone: loc.zone ?? "", subzone: loc.sub_zone ?? "" }
      : (workload?.locality ?? NO_LOCALITY);
  return {
    id,
    type: rawType,
    ip,
    podName,
    namespace: namespace || "default",
    labels,
    serviceAccount: str("SERVICE_ACCOUNT") ?? workload?.serviceAccount ?? "default",
    clusterId: str("CLUSTER_ID") ?? "Kubernetes",
    generator: str("GENERATOR"),
    locality,
    workload,
    istioVersion: str("ISTIO_VERSION") ?? "",
    interceptionMode: str("INTERCEPTION_MODE"),
    appIP: str("MAST_APP_IP"),
    http10: str("HTTP10") === "1",
    nodeMetadata: meta,
  };
}
