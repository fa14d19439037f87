// EnvoyFilter patches applied to generated xDS (istio pilot/pkg/networking/core/envoyfilter):
// listeners with their filter chains and filters, route configurations (RDS and those inline in
// inbound listeners), clusters, and the extension configs served over ECDS. Proxyless gRPC
// clients get none, as Istio's gRPC generator applies none. Invalid or failing patches are
// skipped and reported to the PushContext's EnvoyFilter index, never failing the push.

import { TYPE_URL } from "../../../envoy/index.ts";
import type { ProxyPatches } from "../../../model/envoy-filters.ts";
import type { MeshProxy } from "../../../model/proxy.ts";
import type { PushContext } from "../../../model/push-context.ts";
import type { Json } from "../common.ts";
import { patchClusters } from "./cluster-patch.ts";
import { patchValue, sidecarOrGateway } from "./common.ts";
import { patchListeners } from "./listener-patch.ts";
import { patchRouteConfiguration } from "./route-patch.ts";

function patchesFor(proxy: MeshProxy, push: PushContext): ProxyPatches | undefined {
  if (proxy.generator === "grpc") return undefined;
  const patches = push.envoyFiltersFor(proxy);
  return patches.size ? patches : undefined;
}

/** The generated resources of one type with the proxy's EnvoyFilter patches applied. */
export function applyEnvoyFilters(
  proxy: MeshProxy,
  push: PushContext,
  typeUrl: string,
  resources: Json[],
): Json[] {
  const patches = patchesFor(proxy, push);
  if (!patches) return resources;
  const report = (m: string) => push.envoyFilters.report(m);
  switch (typeUrl) {
    case TYPE_URL.LISTENER:
      return patchListeners(proxy, patches, resources, report);
    case TYPE_URL.CLUSTER:
      return patchClusters(proxy, patches, resources, report);
    case TYPE_URL.ROUTE_CONFIGURATION: {
      const ctx = sidecarOrGateway(proxy, "SIDECAR_OUTBOUND");
      return resources.map((rc) => patchRouteConfiguration(patches, ctx, rc, report));
    }
    default:
      return resources;
  }
}

/** ECDS: the TypedExtensionConfigs that EXTENSION_CONFIG ADD patches provide, by name. */
export function extensionConfigs(proxy: MeshProxy, push: PushContext): Json[] {
  const patches = patchesFor(proxy, push)?.get("EXTENSION_CONFIG") ?? [];
  return patches.filter((p) => p.operation === "ADD").map(patchValue);
}
