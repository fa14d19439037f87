// Gateway route configurations: virtual hosts for the hosts a server admits from the
// VirtualServices bound to its gateway (routes of several VirtualServices for one host merge,
// oldest first), `require_tls` for httpsRedirect, a 404 blackhole when nothing is bound.

import type { Server } from "../../api/types/index.ts";
import type { GatewayConfig } from "../../model/gateways.ts";
import { serverAdmits } from "../../model/gateways.ts";
import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { type Json, sortBy } from "./common.ts";
import { type RouteContext, translateHttpRoutes } from "./route.ts";

export function gatewayRouteConfig(
  proxy: MeshProxy,
  push: PushContext,
  name: string,
): Json | undefined {
  const parts = name.split(".");
  const port = Number(parts[1]);
  if ((parts[0] !== "http" && parts[0] !== "https") || !Number.isInteger(port)) return undefined;
  const servers: { gw: GatewayConfig; server: Server }[] = [];
  for (const gw of push.gatewaysFor(proxy)) {
    for (const server of gw.servers) {
      if (server.port.number !== port) continue;
      const terminated =
        server.tls && server.tls.mode !== "PASSTHROUGH" && server.tls.mode !== "AUTO_PASSTHROUGH";
      if (parts[0] === "http" && terminated && !server.tls?.httpsRedirect) continue;
      if (
        parts[0] === "https" &&
        (server.port.name !== parts[2] || gw.name !== parts[3] || gw.namespace !== parts[4])
      )
        continue;
      servers.push({ gw, server });
    }
  }
  const byHost = new Map<string, { routes: Json[]; redirect: boolean }>();
  for (const { gw, server } of servers) {
    const ctx: RouteContext = { proxy, push, port, gateway: gw.qualified };
    for (const vs of push.virtualServicesFor(proxy, gw.qualified)) {
      for (const host of serverAdmits(server, gw.namespace, vs.namespace, vs.hosts)) {
        const entry = byHost.get(host) ?? { routes: [], redirect: false };
        entry.redirect ||= server.tls?.httpsRedirect === true && parts[0] === "http";
        // One VirtualService's routes per host per gateway, in VirtualService order.
        entry.routes.push(...translateHttpRoutes(vs, ctx, host));
        byHost.set(host, entry);
      }
    }
  }
  const vhosts: Json[] = [];
  for (const [host, { routes, redirect }] of byHost) {
    const vh: Json = {
      name: `${host}:${port}`,
      domains: host === "*" ? ["*"] : [host, `${host}:${port}`],
      routes,
      include_request_attempt_count: true,
    };
    if (redirect) vh.require_tls = "ALL";
    vhosts.push(vh);
  }
  if (vhosts.length === 0) {
    vhosts.push({
      name: `blackhole:${port}`,
      domains: ["*"],
      routes: [{ name: "default", match: { prefix: "/" }, direct_response: { status: 404 } }],
      include_request_attempt_count: true,
    });
  }
  return { name, virtual_hosts: sortBy(vhosts, (v) => String(v.name)), validate_clusters: false };
}
