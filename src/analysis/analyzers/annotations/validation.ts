// Value checks for the annotations the injector reads (inject.AnnotationValidation): ports,
// port lists, CIDR lists, interception modes, unsigned integers, booleans, proxy config.

import { parse } from "yaml";

const UINT32_MAX = 4294967295;

function uint32(v: string): string | undefined {
  if (!/^\d+$/.test(v) || Number(v) > UINT32_MAX) return `failed parsing uint32 "${v}"`;
  return undefined;
}

function port(v: string): string | undefined {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535)
    return `port number ${v} must be in the range 1..65535`;
  return undefined;
}

function portList(v: string): string | undefined {
  if (v.trim() === "*" || v.trim() === "") return undefined;
  for (const p of v.split(",")) {
    const err = port(p.trim());
    if (err) return err;
  }
  return undefined;
}

function cidr(v: string): boolean {
  const [ip, bits, extra] = v.split("/");
  if (extra !== undefined || ip === undefined || bits === undefined || !/^\d+$/.test(bits))
    return false;
  if (ip.includes(":")) return /^[0-9a-fA-F:.]+$/.test(ip) && Number(bits) <= 128;
  const parts = ip.split(".");
  return (
    parts.length === 4 &&
    parts.every((p) => /^\d+$/.test(p) && Number(p) <= 255) &&
    Number(bits) <= 32
  );
}

function cidrList(v: string): string | undefined {
  if (v.trim() === "*" || v.trim() === "") return undefined;
  for (const c of v.split(",")) if (!cidr(c.trim())) return `invalid CIDR "${c.trim()}"`;
  return undefined;
}

/** strconv.ParseBool's spellings. */
const BOOLS = new Set([
  "1",
  "t",
  "T",
  "TRUE",
  "true",
  "True",
  "0",
  "f",
  "F",
  "FALSE",
  "false",
  "False",
]);

function bool(v: string): string | undefined {
  return BOOLS.has(v) ? undefined : `invalid boolean "${v}"`;
}

/** proxy.istio.io/config holds a ProxyConfig as YAML or JSON: it must be a map. */
function proxyConfig(v: string): string | undefined {
  try {
    const doc: unknown = parse(v);
    if (doc === null || doc === undefined || (typeof doc === "object" && !Array.isArray(doc)))
      return undefined;
    return "proxy config must be a map of fields";
  } catch (err) {
    return `failed to parse proxy config: ${(err as Error).message.split("\n")[0]}`;
  }
}

function interceptionMode(v: string): string | undefined {
  return ["REDIRECT", "TPROXY", "NONE"].includes(v)
    ? undefined
    : `unrecognized interception mode "${v}"`;
}

const VALIDATORS: Record<string, (v: string) => string | undefined> = {
  "readiness.status.sidecar.istio.io/initialDelaySeconds": uint32,
  "readiness.status.sidecar.istio.io/periodSeconds": uint32,
  "readiness.status.sidecar.istio.io/failureThreshold": uint32,
  "status.sidecar.istio.io/port": (v) => (v === "0" ? undefined : port(v)),
  "sidecar.istio.io/interceptionMode": interceptionMode,
  "sidecar.istio.io/enableCoreDump": bool,
  "prometheus.istio.io/merge-metrics": bool,
  "proxy.istio.io/config": proxyConfig,
  "traffic.sidecar.istio.io/includeInboundPorts": portList,
  "traffic.sidecar.istio.io/excludeInboundPorts": portList,
  "traffic.sidecar.istio.io/includeOutboundPorts": portList,
  "traffic.sidecar.istio.io/excludeOutboundPorts": portList,
  "traffic.sidecar.istio.io/includeOutboundIPRanges": cidrList,
  "traffic.sidecar.istio.io/excludeOutboundIPRanges": cidrList,
};

/** The problem with an annotation's value, or undefined when it is fine or not checked. */
export function annotationProblem(name: string, value: string): string | undefined {
  return VALIDATORS[name]?.(value);
}
