// NDS: Istio's NameTable (istio.networking.nds.v1) for proxies that proxy DNS (only those
// subscribe): every service the proxy sees that has an address, by hostname, with its Kubernetes
// short name and namespace so the agent can answer `reviews`, `reviews.default` and the FQDN.

import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import type { Json } from "./common.ts";

/** Istio sends the table as one unnamed resource. */
export const NAME_TABLE_RESOURCE = "";

export function buildNameTable(proxy: MeshProxy, push: PushContext): Json {
  const table: Record<string, Json> = {};
  for (const svc of push.servicesFor(proxy)) {
    if (svc.address === "0.0.0.0" || svc.hostname.includes("*")) continue;
    const kube = svc.source === "Kubernetes";
    const info: Json = { ips: [svc.address], registry: kube ? "Kubernetes" : "External" };
    if (kube) {
      info.shortname = svc.name;
      info.namespace = svc.namespace;
    }
    table[svc.hostname] = info;
  }
  const sorted = Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
  return { table: sorted };
}
