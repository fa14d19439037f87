// virtualservice.DestinationHostAnalyzer: every route and mirror destination names a host that
// exists (Service or ServiceEntry visible to the VirtualService) on a port it exposes.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer, Context } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { fullName, num, obj, objs, str, strs } from "../../util/fields.ts";
import { destinationHost, type HostEntry, serviceEntryHostMap } from "../../util/service-lookup.ts";
import {
  type AnnotatedDestination,
  hostPath,
  mirrorDestinations,
  routeDestinations,
} from "./destinations.ts";

export const destinationHostAnalyzer: Analyzer = {
  name: "virtualservice.DestinationHostAnalyzer",
  description: "Checks the destination hosts associated with each virtual service",
  inputs: [K.ServiceEntry, K.VirtualService, K.Service],
  analyze(ctx) {
    const hosts = serviceEntryHostMap(ctx.snapshot);
    const withSubsets = subsetDestinations(ctx);
    for (const r of ctx.snapshot.list(K.VirtualService)) {
      checkHosts(ctx, r, hosts);
      checkIngressSubsets(ctx, r, withSubsets);
    }
  },
};

function checkHosts(
  ctx: Context,
  r: Resource,
  hosts: ReturnType<typeof serviceEntryHostMap>,
): void {
  const ns = r.metadata.namespace ?? "";
  const exportTo = strs(r.spec.exportTo);
  for (const [kind, dests] of [
    ["host", routeDestinations(r.spec)],
    ["mirror host", mirrorDestinations(r.spec)],
  ] as const) {
    for (const d of dests) {
      const host = str(d.destination.host);
      const s = destinationHost(ns, exportTo, host, hosts);
      if (!s) {
        ctx.reportAt(r, hostPath(d), "ReferencedResourceNotFound", kind, host);
        continue;
      }
      checkPorts(ctx, r, d, s);
    }
  }
}

function checkPorts(ctx: Context, r: Resource, d: AnnotatedDestination, s: HostEntry): void {
  const host = str(d.destination.host);
  const port = d.destination.port;
  if (port === undefined || port === null) {
    // Without a port the destination is ambiguous only when the host exposes several.
    if (s.ports.length > 1) {
      const numbers = s.ports.map((p) => p.number ?? 0);
      ctx.reportAt(r, hostPath(d), "VirtualServiceDestinationPortSelectorRequired", host, numbers);
    }
    return;
  }
  const number = num(obj(port).number) ?? 0;
  if (!s.ports.some((p) => (p.number ?? 0) === number)) {
    ctx.reportAt(r, hostPath(d), "ReferencedResourceNotFound", "host:port", `${host}:${number}`);
  }
}

/** VirtualServices routing to one of their own hosts by subset, by VirtualService. */
function subsetDestinations(ctx: Context): Map<Resource, string[]> {
  const out = new Map<Resource, string[]>();
  for (const r of ctx.snapshot.list(K.VirtualService)) {
    const hosts = strs(r.spec.hosts);
    for (const http of objs(r.spec.http)) {
      for (const route of objs(http.route)) {
        const dest = obj(route.destination);
        if (str(dest.subset) === "") continue;
        for (const h of hosts) {
          if (str(dest.host) === h) out.set(r, [...(out.get(r) ?? []), h]);
        }
      }
    }
  }
  return out;
}

/**
 * A gateway-bound route without subset to a host that another VirtualService splits by subset:
 * the subset routing applies to sidecars only, not to requests entering through the gateway.
 */
function checkIngressSubsets(
  ctx: Context,
  r: Resource,
  withSubsets: Map<Resource, string[]>,
): void {
  if (strs(r.spec.gateways).length === 0) return;
  for (const [i, http] of objs(r.spec.http).entries()) {
    for (const [j, route] of objs(http.route).entries()) {
      const dest = obj(route.destination);
      if (str(dest.subset) !== "") continue;
      const at = ["spec", "http", i, "route", j, "destination", "host"];
      for (const [vs, hosts] of withSubsets) {
        for (const h of hosts) {
          if (h === str(dest.host))
            ctx.reportAt(r, at, "IngressRouteRulesNotAffected", fullName(vs), fullName(r));
        }
      }
    }
  }
}
