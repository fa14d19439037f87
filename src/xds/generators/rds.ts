// RDS: route configurations. Sidecars get one per outbound HTTP port (named `9080`) with a
// virtual host per service under every name a client may use; gateways get `http.<port>` /
// `https.<port>.<server>.<gateway>.<ns>` from their servers' VirtualServices.

import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { MESH_GATEWAY } from "../../model/virtual-services.ts";
import { hostMatches } from "../../registry/hosts.ts";
import { isHttp } from "../../registry/protocol.ts";
import type { Service, ServicePort } from "../../registry/types.ts";
import { type Json, outboundClusterName, PASSTHROUGH_CLUSTER, sortBy } from "./common.ts";
import { gatewayRouteConfig } from "./gateway-routes.ts";
import { HTTP_PROXY_ROUTE, httpProxyRouteConfig, isLocalMode } from "./local.ts";
import { type RouteContext, retryPolicy, translateHttpRoutes } from "./route.ts";

/** HTTP and auto-detected ports route through RDS. */
export function routesOverHttp(p: ServicePort): boolean {
  return isHttp(p.protocol) || p.protocol === "UNSUPPORTED";
}

/** Every route configuration name the proxy's listeners reference. */
export function routeConfigNames(proxy: MeshProxy, push: PushContext): string[] {
  if (proxy.type === "router") return gatewayRouteNames(proxy, push);
  const ports = new Set<number>();
  if (isLocalMode(proxy)) return [HTTP_PROXY_ROUTE];
  for (const s of push.servicesFor(proxy))
    for (const p of s.ports) if (routesOverHttp(p)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b).map(String);
}

export function buildRouteConfig(
  proxy: MeshProxy,
  push: PushContext,
  name: string,
): Json | undefined {
  if (proxy.generator === "grpc") return grpcRouteConfig(proxy, push, name);
  if (proxy.type === "router") return gatewayRouteConfig(proxy, push, name);
  if (name === HTTP_PROXY_ROUTE) return httpProxyRouteConfig(proxy, push);
  const port = Number(name);
  if (!Number.isInteger(port)) return undefined;
  const ctx: RouteContext = { proxy, push, port, gateway: MESH_GATEWAY };
  const seen = new Set<string>();
  const vhosts: Json[] = [];
  for (const svc of push.servicesFor(proxy)) {
    const sp = svc.ports.find((p) => p.port === port);
    if (!sp || !routesOverHttp(sp)) continue;
    const domains = domainsFor(svc, port, proxy.namespace).filter((d) => !seen.has(d));
    if (domains.length === 0) continue;
    for (const d of domains) seen.add(d);
    vhosts.push({
      name: `${svc.hostname}:${port}`,
      domains,
      routes: serviceRoutes(ctx, svc, sp),
      include_request_attempt_count: true,
    });
  }
  const sorted = sortBy(vhosts, (v) => String(v.name));
  sorted.push(fallbackVirtualHost(push.sidecarScope(proxy).outboundTrafficPolicy));
  return { name, virtual_hosts: sorted, validate_clusters: false };
}

/** Routes for one service: its VirtualService's if any, else the default route. */
export function serviceRoutes(ctx: RouteContext, svc: Service, sp: ServicePort): Json[] {
  const vs = ctx.push
    .virtualServicesFor(ctx.proxy, ctx.gateway)
    .find((v) => v.hosts.some((h) => hostMatches(h, svc.hostname)));
  if (vs) {
    const routes = translateHttpRoutes(vs, ctx, svc.hostname);
    if (routes.length) return routes;
  }
  return [defaultRoute(ctx, svc, sp)];
}

function defaultRoute(ctx: RouteContext, svc: Service, sp: ServicePort): Json {
  const route: Json = {
    cluster: outboundClusterName(sp.port, "", svc.hostname),
    timeout: "0s",
    max_stream_duration: { max_stream_duration: "0s", grpc_timeout_header_max: "0s" },
  };
  const retry = retryPolicy(undefined, ctx.proxy.generator === "grpc");
  if (retry) route.retry_policy = retry;
  const out: Json = { name: "default", match: { prefix: "/" }, route };
  if (ctx.proxy.generator !== "grpc") out.decorator = { operation: `${svc.hostname}:${sp.port}/*` };
  return out;
}

/** Every name a client may use: FQDN, and in the same namespace the short forms; VIP; with ports. */
export function domainsFor(svc: Service, port: number, clientNs: string): string[] {
  const names = [svc.hostname];
  const suffix = `.${svc.namespace}.svc.`;
  const at = svc.hostname.indexOf(suffix);
  if (svc.source === "Kubernetes" && at > 0) {
    const short = svc.hostname.slice(0, at);
    if (clientNs === svc.namespace) names.push(short);
    names.push(`${short}.${svc.namespace}.svc`, `${short}.${svc.namespace}`);
  }
  if (svc.address !== "0.0.0.0") names.push(svc.address);
  return names.flatMap((n) => [n, `${n}:${port}`]);
}

function fallbackVirtualHost(policy: "ALLOW_ANY" | "REGISTRY_ONLY"): Json {
  if (policy === "REGISTRY_ONLY") {
    return {
      name: "block_all",
      domains: ["*"],
      routes: [{ name: "block_all", match: { prefix: "/" }, direct_response: { status: 502 } }],
      include_request_attempt_count: true,
    };
  }
  return {
    name: "allow_any",
    domains: ["*"],
    routes: [
      {
        name: "allow_any",
        match: { prefix: "/" },
        route: {
          cluster: PASSTHROUGH_CLUSTER,
          timeout: "0s",
          max_stream_duration: { max_stream_duration: "0s", grpc_timeout_header_max: "0s" },
        },
      },
    ],
    include_request_attempt_count: true,
  };
}

/** Proxyless gRPC: route config `host:port` with one virtual host for that service. */
function grpcRouteConfig(proxy: MeshProxy, push: PushContext, name: string): Json | undefined {
  const colon = name.lastIndexOf(":");
  const host = name.slice(0, colon);
  const port = Number(name.slice(colon + 1));
  const svc = push.serviceFor(proxy, host);
  const sp = svc?.ports.find((p) => p.port === port);
  if (!svc || !sp) return undefined;
  const ctx: RouteContext = { proxy, push, port, gateway: MESH_GATEWAY };
  return {
    name,
    virtual_hosts: [{ name, domains: [host, name], routes: serviceRoutes(ctx, svc, sp) }],
  };
}

function gatewayRouteNames(proxy: MeshProxy, push: PushContext): string[] {
  const names = new Set<string>();
  for (const g of push.gatewaysFor(proxy)) {
    for (const s of g.servers) {
      const proto = s.port.protocol.toUpperCase();
      const terminated = s.tls && s.tls.mode !== "PASSTHROUGH" && s.tls.mode !== "AUTO_PASSTHROUGH";
      if (proto === "HTTP" || proto === "HTTP2" || proto === "GRPC" || proto === "GRPC-WEB") {
        names.add(`http.${s.port.number}`);
      } else if ((proto === "HTTPS" || proto === "TLS") && terminated) {
        names.add(`https.${s.port.number}.${s.port.name}.${g.name}.${g.namespace}`);
      }
    }
  }
  return [...names].sort();
}
