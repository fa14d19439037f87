// The generators by type URL: for a proxy and a PushContext, the named resources of one xDS
// type (all of them for wildcard subscriptions). Pure and deterministic: same inputs, same output.

import { TYPE_URL } from "../../envoy/index.ts";
import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { buildClusters } from "./cds.ts";
import type { Json } from "./common.ts";
import { buildEndpoints } from "./eds.ts";
import { applyEnvoyFilters, extensionConfigs } from "./envoyfilter/index.ts";
import { buildListeners } from "./lds.ts";
import { buildNameTable, NAME_TABLE_RESOURCE } from "./nds.ts";
import { buildRouteConfig, routeConfigNames } from "./rds.ts";

export const XDS_TYPES = [
  TYPE_URL.CLUSTER,
  TYPE_URL.CLUSTER_LOAD_ASSIGNMENT,
  TYPE_URL.LISTENER,
  TYPE_URL.ROUTE_CONFIGURATION,
  TYPE_URL.EXTENSION_CONFIG,
  TYPE_URL.NAME_TABLE,
] as const;

/** Resource types that Envoy subscribes to by wildcard (empty names mean "all"). */
export function isWildcardType(typeUrl: string): boolean {
  return (
    typeUrl === TYPE_URL.LISTENER || typeUrl === TYPE_URL.CLUSTER || typeUrl === TYPE_URL.NAME_TABLE
  );
}

export type Resources = Map<string, Json>;

/**
 * Generates resources of one type. `names` is undefined for wildcard subscriptions; for
 * RDS/EDS without names every resource the proxy's listeners/clusters reference is produced.
 */
export function generate(
  proxy: MeshProxy,
  push: PushContext,
  typeUrl: string,
  names?: readonly string[],
): Resources {
  const out: Resources = new Map();
  const keep = (name: string) => !names || names.includes(name);
  switch (typeUrl) {
    case TYPE_URL.LISTENER:
      for (const l of applyEnvoyFilters(proxy, push, typeUrl, buildListeners(proxy, push, names)))
        if (keep(String(l.name))) out.set(String(l.name), l);
      break;
    case TYPE_URL.CLUSTER:
      for (const c of clustersOf(proxy, push)) if (keep(String(c.name))) out.set(String(c.name), c);
      break;
    case TYPE_URL.ROUTE_CONFIGURATION: {
      const built: Json[] = [];
      for (const n of names ?? routeConfigNames(proxy, push)) {
        const rc = buildRouteConfig(proxy, push, n);
        if (rc) built.push(rc);
      }
      for (const rc of applyEnvoyFilters(proxy, push, typeUrl, built)) out.set(String(rc.name), rc);
      break;
    }
    case TYPE_URL.EXTENSION_CONFIG:
      // Requested by name only (filters name them in config_discovery).
      for (const ec of extensionConfigs(proxy, push))
        if (names?.includes(String(ec.name))) out.set(String(ec.name), ec);
      break;
    case TYPE_URL.NAME_TABLE:
      // one table, also when empty: the agent holds its app until the first one arrives
      out.set(NAME_TABLE_RESOURCE, buildNameTable(proxy, push));
      break;
    case TYPE_URL.CLUSTER_LOAD_ASSIGNMENT:
      for (const n of names ?? edsClusterNames(proxy, push)) {
        const cla = buildEndpoints(proxy, push, n);
        if (cla) out.set(n, cla);
      }
      break;
  }
  return out;
}

function clustersOf(proxy: MeshProxy, push: PushContext): Json[] {
  return applyEnvoyFilters(proxy, push, TYPE_URL.CLUSTER, buildClusters(proxy, push));
}

export function edsClusterNames(proxy: MeshProxy, push: PushContext): string[] {
  return clustersOf(proxy, push)
    .filter((c) => c.type === "EDS")
    .map((c) => String(c.name));
}
