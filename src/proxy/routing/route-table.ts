// A RouteConfiguration compiled for lookups: virtual host by authority (exact, then longest
// suffix wildcard, then longest prefix wildcard, then "*"), then the first matching route.

import type { Route, RouteConfiguration, VirtualHost } from "../config-types.ts";
import { compileRouteMatch, type RequestView, type RoutePredicate } from "./route-match.ts";

export interface CompiledRoute {
  readonly route: Route;
  readonly matches: RoutePredicate;
}

export interface CompiledVirtualHost {
  readonly vhost: VirtualHost;
  readonly routes: readonly CompiledRoute[];
}

export interface RouteResult {
  readonly vhost: CompiledVirtualHost;
  readonly route: Route;
}

export class RouteTable {
  readonly config: RouteConfiguration;
  private readonly exact = new Map<string, CompiledVirtualHost>();
  private readonly suffixes: [string, CompiledVirtualHost][] = [];
  private readonly prefixes: [string, CompiledVirtualHost][] = [];
  private star: CompiledVirtualHost | undefined;

  constructor(config: RouteConfiguration) {
    this.config = config;
    const name = `RouteConfiguration ${config.name ?? ""}`;
    const seen = new Set<string>();
    (config.virtual_hosts ?? []).forEach((vh, vi) => {
      const path = `${name}: virtual_hosts[${vi}]`;
      const routes = (vh.routes ?? []).map((r, ri) => {
        if (!r.match) throw new Error(`${path}.routes[${ri}].match: required`);
        if (!r.route && !r.redirect && !r.direct_response && !r.non_forwarding_action) {
          throw new Error(`${path}.routes[${ri}]: needs route, redirect or direct_response`);
        }
        return { route: r, matches: compileRouteMatch(r.match, `${path}.routes[${ri}].match`) };
      });
      const cvh: CompiledVirtualHost = { vhost: vh, routes };
      for (const d0 of vh.domains ?? []) {
        const d = d0.toLowerCase();
        if (seen.has(d))
          throw new Error(`${path}.domains: duplicate domain "${d0}" in route config`);
        seen.add(d);
        if (d === "*") this.star = cvh;
        else if (d.startsWith("*")) this.suffixes.push([d.slice(1), cvh]);
        else if (d.endsWith("*")) this.prefixes.push([d.slice(0, -1), cvh]);
        else this.exact.set(d, cvh);
      }
    });
    // longest wildcard first, as Envoy prefers the most specific one
    this.suffixes.sort((a, b) => b[0].length - a[0].length);
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  virtualHost(authority: string): CompiledVirtualHost | undefined {
    let host = authority.toLowerCase();
    if (this.config.ignore_port_in_host_matching) host = stripPort(host);
    const hit = this.findHost(host);
    return hit;
  }

  private findHost(host: string): CompiledVirtualHost | undefined {
    const e = this.exact.get(host);
    if (e) return e;
    for (const [s, vh] of this.suffixes) if (host.endsWith(s) && host.length > s.length) return vh;
    for (const [p, vh] of this.prefixes)
      if (host.startsWith(p) && host.length > p.length) return vh;
    return this.star;
  }

  route(authority: string, req: RequestView): RouteResult | undefined {
    const vhost = this.virtualHost(authority);
    if (!vhost) return undefined;
    for (const r of vhost.routes) if (r.matches(req)) return { vhost, route: r.route };
    return undefined;
  }
}

export function stripPort(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end > 0 ? host.slice(0, end + 1) : host;
  }
  const i = host.lastIndexOf(":");
  return i >= 0 && host.indexOf(":") === i ? host.slice(0, i) : host;
}
