// Building blocks shared by the generators: Istio's resource names, the ADS config source, and
// conversions from Istio's YAML forms (durations, percentages, string matches) to Envoy's JSON.

import type { StringMatch } from "../../api/types/index.ts";
import type { JsonObject } from "../../envoy/index.ts";
import { TYPE_URL } from "../../envoy/index.ts";

export type Json = JsonObject;

export const PASSTHROUGH_CLUSTER = "PassthroughCluster";
export const BLACKHOLE_CLUSTER = "BlackHoleCluster";
export const INBOUND_PASSTHROUGH_CLUSTER = "InboundPassthroughCluster";
export const VIRTUAL_OUTBOUND = "virtualOutbound";
export const VIRTUAL_INBOUND = "virtualInbound";
export const OUTBOUND_CAPTURE_PORT = 15001;
export const INBOUND_CAPTURE_PORT = 15006;

/** `outbound|9080|v1|reviews.default.svc.cluster.local` */
export function outboundClusterName(port: number, subset: string, host: string): string {
  return `outbound|${port}|${subset}|${host}`;
}

export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

/** Istio's SNI-DNAT cluster names for AUTO_PASSTHROUGH gateways: `outbound_.9080_.v1_.host`. */
export function sniDnatClusterName(port: number, subset: string, host: string): string {
  return `outbound_.${port}_.${subset}_.${host}`;
}

export function parseClusterName(
  name: string,
): { direction: string; port: number; subset: string; host: string } | undefined {
  const parts = name.split("|");
  if (parts.length !== 4) return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port)) return undefined;
  return { direction: parts[0], port, subset: parts[2], host: parts[3] };
}

/** Istio's config reference (`util.BuildConfigInfoMetadata`) that istioctl shows next to a
 * resource: `/apis/networking.istio.io/v1/namespaces/<ns>/<kind>/<name>`. */
export function istioConfigRef(
  kind: "virtual-service" | "destination-rule",
  ns: string,
  name: string,
): string {
  return `/apis/networking.istio.io/v1/namespaces/${ns}/${kind}/${name}`;
}

export function adsConfigSource(): Json {
  return { ads: {}, initial_fetch_timeout: "0s", resource_api_version: "V3" };
}

export function typed(typeUrl: string, fields: Json = {}): Json {
  return { "@type": typeUrl, ...fields };
}

export function socketAddress(address: string, port: number): Json {
  return { socket_address: { address, port_value: port } };
}

/** Istio percentages (0..100, fractional) as Envoy FractionalPercent per million. */
export function fractionalPercent(percent: number | undefined): Json {
  const v = percent ?? 100;
  return { numerator: Math.round(Math.min(100, Math.max(0, v)) * 10000), denominator: "MILLION" };
}

/** Durations are already in Envoy's JSON form (`1.5s`); Istio also allows `1h`, `1m`, `100ms`. */
export function duration(d: string | undefined): string | undefined {
  if (d === undefined) return undefined;
  const m = /^([0-9.]+)(h|m|s|ms|us|µs|ns)$/.exec(d.trim());
  if (!m) return d;
  const scale: Record<string, number> = {
    h: 3600,
    m: 60,
    s: 1,
    ms: 1e-3,
    us: 1e-6,
    µs: 1e-6,
    ns: 1e-9,
  };
  const seconds = Number(m[1]) * scale[m[2]];
  return `${Number(seconds.toFixed(9))}s`;
}

export function stringMatcher(m: StringMatch, ignoreCase = false): Json {
  const out: Json = {};
  if (m.exact !== undefined) out.exact = m.exact;
  else if (m.prefix !== undefined) out.prefix = m.prefix;
  else if (m.regex !== undefined) out.safe_regex = { regex: m.regex };
  if (ignoreCase && m.regex === undefined) out.ignore_case = true;
  return out;
}

export function httpFilter(name: string, typeUrl: string, config: Json = {}): Json {
  return { name, typed_config: typed(typeUrl, config) };
}

export const ROUTER_FILTER = httpFilter("envoy.filters.http.router", TYPE_URL.ROUTER);

/** Sorts by a string key: generator output must not depend on input order. */
export function sortBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
