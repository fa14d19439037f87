// EnvoyFilter patches of route configurations, as istio core/envoyfilter/rc_patch.go applies
// them: ROUTE_CONFIGURATION (MERGE), VIRTUAL_HOST (MERGE, REMOVE, REPLACE, ADD) and HTTP_ROUTE
// (MERGE, REMOVE, ADD, INSERT_*), matched by port (of the `9080` / `inbound|9080||` name, or of
// the gateway's `http.8080` / `https.443.<port>.<gw>.<ns>`), port name, gateway, name, virtual
// host name or domain, route name and action.

import type { PatchContext } from "../../../api/types/envoy-filter.ts";
import type { ConfigPatch, ProxyPatches } from "../../../model/envoy-filters.ts";
import { type Json, parseClusterName } from "../common.ts";
import {
  contextMatches,
  copyJson,
  guarded,
  insertOrReplace,
  mergeChecked,
  type ProblemSink,
  patchValue,
} from "./common.ts";

const ROUTE_CONFIGURATION = "envoy.config.route.v3.RouteConfiguration";
const VIRTUAL_HOST = "envoy.config.route.v3.VirtualHost";
const ROUTE = "envoy.config.route.v3.Route";

/** Port, server port name and `ns/name` gateway of a gateway route name (ParseGatewayRDSRouteName). */
function gatewayRouteName(name: string): { port: number; portName: string; gateway: string } {
  const parts = name.split(".");
  if (parts[0] === "https" && parts.length >= 5) {
    return { port: Number(parts[1]), portName: parts[2], gateway: `${parts[4]}/${parts[3]}` };
  }
  return { port: Number(parts[1]), portName: "", gateway: "" };
}

function routeConfigurationMatch(ctx: PatchContext, rc: Json, p: ConfigPatch): boolean {
  const m = p.match.routeConfiguration;
  if (!m) return true;
  const name = String(rc.name ?? "");
  if (ctx !== "GATEWAY") {
    const port = name.startsWith("inbound|") ? (parseClusterName(name)?.port ?? 0) : Number(name);
    if (m.portNumber && m.portNumber !== port) return false;
    return !m.name || m.name === name;
  }
  const gw = gatewayRouteName(name);
  if (m.portNumber && m.portNumber !== gw.port) return false;
  if (m.portName && m.portName !== gw.portName) return false;
  if (m.gateway && m.gateway !== gw.gateway) return false;
  return !m.name || m.name === name;
}

function virtualHostMatch(vh: Json, p: ConfigPatch): boolean {
  const m = p.match.routeConfiguration?.vhost;
  if (!m) return true;
  if (m.name && m.name !== vh.name) return false;
  if (m.domainName && !((vh.domains as string[] | undefined) ?? []).includes(m.domainName))
    return false;
  return true;
}

const routeMatchOf = (p: ConfigPatch) => p.match.routeConfiguration?.vhost?.route;

function routeMatch(r: Json, p: ConfigPatch): boolean {
  const m = routeMatchOf(p);
  if (!m) return true;
  if (m.name && m.name !== r.name) return false;
  switch (m.action) {
    case "ROUTE":
      return r.route !== undefined;
    case "REDIRECT":
      return r.redirect !== undefined;
    case "DIRECT_RESPONSE":
      return r.direct_response !== undefined;
    default:
      return true;
  }
}

/** Patches a route configuration (a copy is returned; the input is not changed). */
export function patchRouteConfiguration(
  patches: ProxyPatches,
  ctx: PatchContext,
  input: Json,
  report: ProblemSink,
): Json {
  const of = (applyTo: ConfigPatch["applyTo"]) =>
    (patches.get(applyTo) ?? []).filter((p) => contextMatches(ctx, p));
  const rc = copyJson(input);
  const rcPatches = of("ROUTE_CONFIGURATION").filter((p) => routeConfigurationMatch(ctx, rc, p));
  for (const p of rcPatches) {
    if (p.operation === "MERGE") guarded(p, report, () => mergeChecked(ROUTE_CONFIGURATION, rc, p));
  }
  const vhPatches = of("VIRTUAL_HOST").filter((p) => routeConfigurationMatch(ctx, rc, p));
  const routePatches = of("HTTP_ROUTE").filter((p) => routeConfigurationMatch(ctx, rc, p));
  const vhosts: Json[] = [];
  for (const original of (rc.virtual_hosts as Json[] | undefined) ?? []) {
    let vh: Json | undefined = original;
    for (const p of vhPatches) {
      if (!vh || !virtualHostMatch(vh, p)) continue;
      if (p.operation === "REMOVE") vh = undefined;
      else if (p.operation === "REPLACE") vh = patchValue(p);
      else if (p.operation === "MERGE") {
        const target: Json = vh;
        guarded(p, report, () => mergeChecked(VIRTUAL_HOST, target, p));
      }
    }
    if (vh) vhosts.push(patchRoutes(vh, routePatches, report));
  }
  for (const p of vhPatches) if (p.operation === "ADD") vhosts.push(patchValue(p));
  if (rc.virtual_hosts !== undefined || vhosts.length) rc.virtual_hosts = vhosts;
  return rc;
}

function patchRoutes(vh: Json, patches: readonly ConfigPatch[], report: ProblemSink): Json {
  const applicable = patches.filter((p) => virtualHostMatch(vh, p));
  const routes: Json[] = [];
  for (const r of (vh.routes as Json[] | undefined) ?? []) {
    let removed = false;
    for (const p of applicable) {
      if (!routeMatch(r, p)) continue;
      if (p.operation === "REMOVE") {
        removed = true;
        break;
      }
      if (p.operation === "MERGE") guarded(p, report, () => mergeChecked(ROUTE, r, p));
    }
    if (!removed) routes.push(r);
  }
  let out = routes;
  for (const p of applicable) {
    const hasMatch = routeMatchOf(p) !== undefined;
    // INSERT_FIRST relative to a route that is not there inserts nothing (rc_patch.go).
    if (p.operation === "REPLACE") continue;
    if (p.operation === "INSERT_FIRST" && hasMatch && !out.some((r) => routeMatch(r, p))) continue;
    out = insertOrReplace(out, p, hasMatch, (r) => routeMatch(r, p));
  }
  if (vh.routes !== undefined || out.length) vh.routes = out;
  return vh;
}
