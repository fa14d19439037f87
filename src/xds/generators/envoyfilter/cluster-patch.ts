// EnvoyFilter patches of clusters, as istio core/envoyfilter/cluster_patch.go applies them:
// MERGE (a transport socket of the same type merges into the existing one), REMOVE and ADD,
// matched by name, or by the port, subset and service of `outbound|port|subset|host` (for an
// inbound cluster, the services the workload serves on it).

import type { PatchContext } from "../../../api/types/envoy-filter.ts";
import type { ConfigPatch, ProxyPatches } from "../../../model/envoy-filters.ts";
import type { MeshProxy } from "../../../model/proxy.ts";
import { INBOUND_PASSTHROUGH_CLUSTER, type Json, parseClusterName } from "../common.ts";
import {
  addContextMatches,
  contextMatches,
  copyJson,
  guarded,
  mergeChecked,
  type ProblemSink,
  patchValue,
  sidecarOrGateway,
} from "./common.ts";

const CLUSTER = "envoy.config.cluster.v3.Cluster";

function clusterContext(proxy: MeshProxy, c: Json): PatchContext {
  const name = String(c.name);
  const inbound = name.startsWith("inbound|") || name === INBOUND_PASSTHROUGH_CLUSTER;
  return sidecarOrGateway(proxy, inbound ? "SIDECAR_INBOUND" : "SIDECAR_OUTBOUND");
}

/** Hosts of the services an inbound cluster serves (its istio metadata). */
function inboundHosts(c: Json): string[] {
  const istio = ((c.metadata as Json | undefined)?.filter_metadata as Json | undefined)?.istio as
    | Json
    | undefined;
  return ((istio?.services as Json[] | undefined) ?? []).map((s) => String(s.host));
}

function clusterMatch(c: Json, p: ConfigPatch): boolean {
  const m = p.match.cluster;
  if (!m) return true;
  if (m.name) return m.name === c.name;
  const parsed = parseClusterName(String(c.name));
  const hosts =
    parsed?.direction === "inbound" ? inboundHosts(c) : parsed ? [parsed.host] : [String(c.name)];
  if (m.subset && m.subset !== (parsed?.subset ?? "")) return false;
  if (m.service && !hosts.includes(m.service)) return false;
  if (m.portNumber && m.portNumber !== (parsed?.port ?? 0)) return false;
  return true;
}

/** Applies CLUSTER patches to a proxy's clusters; ADDed clusters come last. */
export function patchClusters(
  proxy: MeshProxy,
  patches: ProxyPatches,
  clusters: readonly Json[],
  report: ProblemSink,
): Json[] {
  const all = patches.get("CLUSTER") ?? [];
  const out: Json[] = [];
  for (const original of clusters) {
    const ctx = clusterContext(proxy, original);
    const applicable = all.filter((p) => contextMatches(ctx, p) && clusterMatch(original, p));
    if (applicable.some((p) => p.operation === "REMOVE")) continue;
    const merges = applicable.filter((p) => p.operation === "MERGE");
    if (merges.length === 0) {
      out.push(original);
      continue;
    }
    const c = copyJson(original);
    for (const p of merges) guarded(p, report, () => mergeChecked(CLUSTER, c, p));
    out.push(c);
  }
  const contexts: PatchContext[] =
    proxy.type === "router" ? ["GATEWAY"] : ["SIDECAR_OUTBOUND", "SIDECAR_INBOUND"];
  for (const p of all) {
    if (p.operation === "ADD" && contexts.some((ctx) => addContextMatches(ctx, p)))
      out.push(patchValue(p));
  }
  return out;
}
