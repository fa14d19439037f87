// Pods and WorkloadEntries as workloads: address, labels, service account, readiness and
// locality (from the node's topology labels, the `istio-locality` label, or the entry itself).

import type { Resource } from "../api/resource.ts";
import type { WorkloadEntrySpec } from "../api/types/index.ts";
import { type Locality, NO_LOCALITY, parseLocality, type Workload } from "./types.ts";

interface PodSpec {
  serviceAccountName?: string;
  serviceAccount?: string;
  nodeName?: string;
  containers?: { ports?: { name?: string; containerPort?: number }[] }[];
}
interface PodStatus {
  podIP?: string;
  podIPs?: { ip?: string }[];
  phase?: string;
  conditions?: { type?: string; status?: string }[];
}

const TLS_MODE_LABEL = "security.istio.io/tlsMode";

/** Locality of a node from its well-known topology labels. */
export function nodeLocality(node: Resource | undefined): Locality {
  const l = node?.metadata.labels ?? {};
  return {
    region:
      l["topology.kubernetes.io/region"] ?? l["failure-domain.beta.kubernetes.io/region"] ?? "",
    zone: l["topology.kubernetes.io/zone"] ?? l["failure-domain.beta.kubernetes.io/zone"] ?? "",
    subzone: l["topology.istio.io/subzone"] ?? "",
  };
}

export function podToWorkload(
  pod: Resource,
  nodes: ReadonlyMap<string, Resource>,
): Workload | undefined {
  const spec = pod.spec as PodSpec;
  const status = (pod.status ?? {}) as PodStatus;
  const address = status.podIP ?? status.podIPs?.[0]?.ip;
  if (!address) return undefined;
  const labels = pod.metadata.labels ?? {};
  const annotations = pod.metadata.annotations ?? {};
  const ready =
    status.phase !== "Failed" &&
    status.phase !== "Succeeded" &&
    (status.conditions?.find((c) => c.type === "Ready")?.status ?? "True") === "True";
  const ports: Record<string, number> = {};
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name && p.containerPort) ports[p.name] = p.containerPort;
  }
  // `istio-locality` uses dots because label values cannot hold slashes.
  const labelLocality = labels["istio-locality"];
  const locality = labelLocality
    ? parseLocality(labelLocality.replaceAll(".", "/"))
    : nodeLocality(spec.nodeName ? nodes.get(spec.nodeName) : undefined);
  const injected =
    annotations["sidecar.istio.io/inject"] !== "false" &&
    labels["sidecar.istio.io/inject"] !== "false";
  const sidecar = labels[TLS_MODE_LABEL] ? labels[TLS_MODE_LABEL] === "istio" : injected;
  return {
    kind: "Pod",
    name: pod.metadata.name,
    namespace: pod.metadata.namespace ?? "default",
    address,
    labels,
    serviceAccount: spec.serviceAccountName ?? spec.serviceAccount ?? "default",
    locality,
    ready,
    network: labels["topology.istio.io/network"] ?? "",
    ports,
    weight: 1,
    sidecar,
  };
}

/** A WorkloadEntry spec (also the shape of a ServiceEntry's inline endpoints). */
export function entryToWorkload(
  spec: WorkloadEntrySpec,
  name: string,
  namespace: string,
  kind: "WorkloadEntry" = "WorkloadEntry",
): Workload | undefined {
  if (!spec.address) return undefined;
  const labels = spec.labels ?? {};
  return {
    kind,
    name,
    namespace,
    address: spec.address,
    labels,
    serviceAccount: spec.serviceAccount ?? "default",
    locality: spec.locality ? parseLocality(spec.locality) : NO_LOCALITY,
    ready: true,
    network: spec.network ?? "",
    ports: spec.ports ?? {},
    weight: spec.weight ?? 1,
    sidecar: labels[TLS_MODE_LABEL] === "istio",
  };
}

export function workloadEntryToWorkload(we: Resource): Workload | undefined {
  const spec = we.spec as WorkloadEntrySpec;
  // The entry's own metadata labels count as well as spec.labels, as in Istio.
  const labels = { ...(we.metadata.labels ?? {}), ...(spec.labels ?? {}) };
  return entryToWorkload({ ...spec, labels }, we.metadata.name, we.metadata.namespace ?? "default");
}

export function selectorMatches(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}
