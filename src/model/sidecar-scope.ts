// Sidecar scoping: which Sidecar applies to a workload (selector match beats namespace-wide,
// which beats the root namespace's default) and which hosts its egress listeners import.

import type { Resource } from "../api/resource.ts";
import type { SidecarSpec } from "../api/types/index.ts";
import { hostMatches } from "../registry/hosts.ts";
import { selectorMatches } from "../registry/workloads.ts";

export interface SidecarScope {
  /** `namespace/name` of the Sidecar in force, or undefined for the mesh default. */
  readonly sidecar?: string;
  readonly spec?: SidecarSpec;
  /** Imported `namespace/dnsName` pairs; namespace `*` is any. */
  readonly egress: readonly { readonly namespace: string; readonly host: string }[];
  readonly outboundTrafficPolicy: "ALLOW_ANY" | "REGISTRY_ONLY";
}

export function selectSidecar(
  sidecars: readonly Resource[],
  namespace: string,
  labels: Readonly<Record<string, string>>,
  rootNamespace: string,
): Resource | undefined {
  const inNs = sidecars.filter((s) => s.metadata.namespace === namespace);
  const selected = inNs.find((s) => {
    const sel = (s.spec as SidecarSpec).workloadSelector?.labels;
    return sel && Object.keys(sel).length > 0 && selectorMatches(sel, labels);
  });
  if (selected) return selected;
  const nsWide = inNs.find((s) => !(s.spec as SidecarSpec).workloadSelector?.labels);
  if (nsWide) return nsWide;
  return sidecars.find(
    (s) =>
      s.metadata.namespace === rootNamespace && !(s.spec as SidecarSpec).workloadSelector?.labels,
  );
}

export function sidecarScope(
  sidecar: Resource | undefined,
  proxyNamespace: string,
  meshPolicy: "ALLOW_ANY" | "REGISTRY_ONLY",
): SidecarScope {
  if (!sidecar)
    return { egress: [{ namespace: "*", host: "*" }], outboundTrafficPolicy: meshPolicy };
  const spec = sidecar.spec as SidecarSpec;
  const egress: { namespace: string; host: string }[] = [];
  for (const l of spec.egress ?? [{ hosts: ["*/*"] }]) {
    for (const h of l.hosts) {
      const slash = h.indexOf("/");
      const ns = slash < 0 ? "*" : h.slice(0, slash);
      const host = (slash < 0 ? h : h.slice(slash + 1)).toLowerCase();
      if (ns === "~") continue;
      egress.push({ namespace: ns === "." ? proxyNamespace : ns, host });
    }
  }
  return {
    sidecar: `${sidecar.metadata.namespace}/${sidecar.metadata.name}`,
    spec,
    egress,
    outboundTrafficPolicy: spec.outboundTrafficPolicy?.mode ?? meshPolicy,
  };
}

/** Whether the scope imports a host defined (or configured) in `namespace`. */
export function scopeImports(scope: SidecarScope, namespace: string, hostname: string): boolean {
  return scope.egress.some(
    (e) => (e.namespace === "*" || e.namespace === namespace) && hostMatches(e.host, hostname),
  );
}
