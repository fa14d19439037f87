// Whether a workload is in the mesh (has or will get a sidecar), in ambient mode, or part of the
// control plane, as Istio's analyzers decide it from labels, annotations and namespaces.

import type { Resource } from "../../api/resource.ts";
import { K } from "../kinds.ts";
import type { Snapshot } from "../snapshot.ts";
import { type Obj, objs, str } from "./fields.ts";

export const ISTIO_PROXY = "istio-proxy";
export const ISTIO_OPERATOR = "istio-operator";
export const INJECTION_LABEL = "istio-injection";
export const SIDECAR_INJECT = "sidecar.istio.io/inject";
export const REVISION_LABEL = "istio.io/rev";
export const DATAPLANE_MODE = "istio.io/dataplane-mode";
const AMBIENT_REDIRECTION = "ambient.istio.io/redirection";

/** Namespaces injection ignores (inject.IgnoredNamespaces). */
const SYSTEM_NAMESPACES = new Set([
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "local-path-storage",
]);

export function isSystemNamespace(ns: string | undefined): boolean {
  return SYSTEM_NAMESPACES.has(ns ?? "");
}

export function isControlPlane(r: Resource): boolean {
  const l = r.metadata.labels ?? {};
  return "istio" in l || l.release === "istio";
}

export function podInAmbientMode(r: Resource | undefined): boolean {
  return r?.metadata.annotations?.[AMBIENT_REDIRECTION] === "enabled";
}

export function namespaceInAmbientMode(r: Resource | undefined): boolean {
  const l = r?.metadata.labels;
  if (!l) return false;
  if (l[INJECTION_LABEL] === "enabled") return false;
  if (l[REVISION_LABEL]) return false;
  return l[DATAPLANE_MODE] === "ambient";
}

function hasIstioProxy(containers: readonly Obj[]): boolean {
  const proxy = containers.find((c) => str(c.name) === ISTIO_PROXY);
  return proxy !== undefined && str(proxy.image) !== "";
}

function inMesh(
  annotations: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
  namespace: string,
  containers: readonly Obj[],
  snapshot: Snapshot,
): boolean {
  if (hasIstioProxy(containers)) return true;
  if (SIDECAR_INJECT in labels) return labels[SIDECAR_INJECT] === "true";
  if (SIDECAR_INJECT in annotations) return annotations[SIDECAR_INJECT] === "true";
  const ns = snapshot.get(K.Namespace, undefined, namespace);
  return ns?.metadata.labels?.[INJECTION_LABEL] === "enabled";
}

/** Pod template of a Deployment: metadata and spec. */
export function podTemplate(d: Resource): { metadata: Obj; spec: Obj } {
  const t = (d.spec.template ?? {}) as Obj;
  return { metadata: (t.metadata ?? {}) as Obj, spec: (t.spec ?? {}) as Obj };
}

export function deploymentInMesh(d: Resource, snapshot: Snapshot): boolean {
  const t = podTemplate(d);
  return inMesh(
    (t.metadata.annotations ?? {}) as Record<string, string>,
    (t.metadata.labels ?? {}) as Record<string, string>,
    d.metadata.namespace ?? "",
    objs(t.spec.containers),
    snapshot,
  );
}

export function podInMesh(p: Resource, snapshot: Snapshot): boolean {
  return inMesh(
    p.metadata.annotations ?? {},
    p.metadata.labels ?? {},
    p.metadata.namespace ?? "",
    [...objs(p.spec.containers), ...objs(p.spec.initContainers)],
    snapshot,
  );
}
