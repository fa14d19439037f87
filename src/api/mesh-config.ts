// MeshConfig: the mesh-wide settings (istio ConfigMap `istio`, key `mesh`) with Istio's defaults
// (`DefaultMeshConfig` in istio pkg/config/mesh/mesh.go), and the parser that merges user YAML
// over them the way `ApplyMeshConfig` does: fields override, except defaultConfig (merged
// field-wise, proxyMetadata key-wise), defaultProviders, extensionProviders (by name) and
// trustDomainAliases (union).

import { parse } from "yaml";
import { Report } from "./diagnostic.ts";
import type { Duration } from "./types/common.ts";
import type { LocalityLoadBalancerSetting } from "./types/destination-rule.ts";
import { validateMeshConfig } from "./validation/mesh-config.ts";

export interface MeshProxyConfig {
  configPath?: string;
  binaryPath?: string;
  serviceCluster?: string;
  tracingServiceName?: string;
  drainDuration?: Duration;
  parentShutdownDuration?: Duration;
  terminationDrainDuration?: Duration;
  discoveryAddress?: string;
  proxyAdminPort?: number;
  controlPlaneAuthPolicy?: "NONE" | "MUTUAL_TLS";
  statNameLength?: number;
  concurrency?: number;
  interceptionMode?: "REDIRECT" | "TPROXY" | "NONE";
  tracing?: Record<string, unknown>;
  proxyMetadata?: Record<string, string>;
  statusPort?: number;
  extraStatTags?: string[];
  gatewayTopology?: { numTrustedProxies?: number; forwardClientCertDetails?: string };
  holdApplicationUntilProxyStarts?: boolean;
  proxyStatsMatcher?: Record<string, unknown>;
  proxyHeaders?: Record<string, unknown>;
  meshId?: string;
  image?: { imageType?: string };
  [field: string]: unknown;
}

export interface ExtensionProvider {
  name: string;
  envoyExtAuthzHttp?: Record<string, unknown>;
  envoyExtAuthzGrpc?: Record<string, unknown>;
  zipkin?: Record<string, unknown>;
  opentelemetry?: Record<string, unknown>;
  prometheus?: Record<string, unknown>;
  envoyFileAccessLog?: {
    path?: string;
    logFormat?: { text?: string; labels?: Record<string, unknown> };
  };
  envoyOtelAls?: Record<string, unknown>;
  envoyHttpAls?: Record<string, unknown>;
  envoyTcpAls?: Record<string, unknown>;
  stackdriver?: Record<string, unknown>;
  datadog?: Record<string, unknown>;
  skywalking?: Record<string, unknown>;
  lightstep?: Record<string, unknown>;
  opencensus?: Record<string, unknown>;
  sds?: Record<string, unknown>;
}

export interface MeshNetworks {
  networks?: Record<
    string,
    {
      endpoints?: { fromCidr?: string; fromRegistry?: string }[];
      gateways?: Record<string, unknown>[];
    }
  >;
}

export interface MeshConfig {
  rootNamespace: string;
  trustDomain: string;
  trustDomainAliases: string[];
  defaultConfig: MeshProxyConfig;
  outboundTrafficPolicy: { mode: "REGISTRY_ONLY" | "ALLOW_ANY" };
  enableAutoMtls: boolean;
  enableTracing: boolean;
  accessLogFile: string;
  accessLogFormat: string;
  accessLogEncoding: "TEXT" | "JSON";
  enableEnvoyAccessLogService: boolean;
  protocolDetectionTimeout: Duration;
  ingressClass: string;
  ingressService: string;
  ingressControllerMode: "UNSPECIFIED" | "OFF" | "DEFAULT" | "STRICT";
  ingressSelector?: string;
  localityLbSetting: LocalityLoadBalancerSetting;
  proxyListenPort: number;
  connectTimeout: Duration;
  defaultServiceExportTo: string[];
  defaultVirtualServiceExportTo: string[];
  defaultDestinationRuleExportTo: string[];
  dnsRefreshRate: Duration;
  extensionProviders: ExtensionProvider[];
  defaultProviders: { tracing?: string[]; metrics?: string[]; accessLogging?: string[] };
  enablePrometheusMerge?: boolean;
  defaultHttpRetryPolicy?: Record<string, unknown>;
  tcpKeepalive?: { probes?: number; time?: Duration; interval?: Duration };
  h2UpgradePolicy?: "DO_NOT_UPGRADE" | "UPGRADE";
  inboundClusterStatName?: string;
  outboundClusterStatName?: string;
  meshMTLS?: { minProtocolVersion?: string; ecdhCurves?: string[]; cipherSuites?: string[] };
  tlsDefaults?: { minProtocolVersion?: string; ecdhCurves?: string[]; cipherSuites?: string[] };
  caCertificates?: Record<string, unknown>[];
  serviceSettings: Record<string, unknown>[];
  discoverySelectors?: Record<string, unknown>[];
  pathNormalization?: { normalization?: string };
  /** MeshNetworks is its own document in Istio (`meshNetworks` key of the ConfigMap). */
  meshNetworks?: MeshNetworks;
}

/** Istio's defaults; a fresh copy each call so callers may not share mutable state. */
export function defaultMeshConfig(): MeshConfig {
  return {
    enableTracing: true,
    accessLogFile: "",
    accessLogEncoding: "TEXT",
    accessLogFormat: "",
    enableEnvoyAccessLogService: false,
    protocolDetectionTimeout: "0s",
    ingressService: "istio-ingressgateway",
    ingressControllerMode: "STRICT",
    ingressClass: "istio",
    trustDomain: "cluster.local",
    trustDomainAliases: [],
    enableAutoMtls: true,
    outboundTrafficPolicy: { mode: "ALLOW_ANY" },
    localityLbSetting: { enabled: true },
    defaultConfig: defaultProxyConfig(),
    rootNamespace: "istio-system",
    proxyListenPort: 15001,
    connectTimeout: "10s",
    defaultServiceExportTo: ["*"],
    defaultVirtualServiceExportTo: ["*"],
    defaultDestinationRuleExportTo: ["*"],
    dnsRefreshRate: "60s",
    serviceSettings: [],
    defaultProviders: {},
    extensionProviders: [
      { name: "prometheus", prometheus: {} },
      { name: "stackdriver", stackdriver: {} },
      { name: "envoy", envoyFileAccessLog: { path: "/dev/stdout" } },
    ],
  };
}

/** `DefaultProxyConfig` in istio pkg/config/mesh/mesh.go. */
export function defaultProxyConfig(): MeshProxyConfig {
  return {
    configPath: "./etc/istio/proxy",
    serviceCluster: "istio-proxy",
    drainDuration: "45s",
    parentShutdownDuration: "60s",
    terminationDrainDuration: "5s",
    proxyAdminPort: 15000,
    concurrency: 2,
    controlPlaneAuthPolicy: "MUTUAL_TLS",
    discoveryAddress: "istiod.istio-system.svc:15012",
    tracing: { zipkin: { address: "zipkin.istio-system:9411" } },
    binaryPath: "/usr/local/bin/envoy",
    statNameLength: 189,
    statusPort: 15020,
  };
}

/** The DefaultMeshConfig as a frozen value, for readers that never change it. */
export const DefaultMeshConfig: Readonly<MeshConfig> = Object.freeze(defaultMeshConfig());

export class MeshConfigError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(path ? `MeshConfig ${path}: ${message}` : `MeshConfig: ${message}`);
    this.name = "MeshConfigError";
    this.path = path;
  }
}

type FieldType = "string" | "bool" | "int" | "duration" | "strings" | "object" | "objects";

/** The fields a user may set, with their YAML types; anything else is an unknown field. */
const FIELDS: Record<string, FieldType> = {
  rootNamespace: "string",
  trustDomain: "string",
  trustDomainAliases: "strings",
  defaultConfig: "object",
  outboundTrafficPolicy: "object",
  enableAutoMtls: "bool",
  enableTracing: "bool",
  accessLogFile: "string",
  accessLogFormat: "string",
  accessLogEncoding: "string",
  enableEnvoyAccessLogService: "bool",
  protocolDetectionTimeout: "duration",
  ingressClass: "string",
  ingressService: "string",
  ingressControllerMode: "string",
  ingressSelector: "string",
  localityLbSetting: "object",
  proxyListenPort: "int",
  proxyInboundListenPort: "int",
  proxyHttpPort: "int",
  connectTimeout: "duration",
  defaultServiceExportTo: "strings",
  defaultVirtualServiceExportTo: "strings",
  defaultDestinationRuleExportTo: "strings",
  dnsRefreshRate: "duration",
  extensionProviders: "objects",
  defaultProviders: "object",
  enablePrometheusMerge: "bool",
  defaultHttpRetryPolicy: "object",
  tcpKeepalive: "object",
  h2UpgradePolicy: "string",
  inboundClusterStatName: "string",
  outboundClusterStatName: "string",
  meshMTLS: "object",
  tlsDefaults: "object",
  caCertificates: "objects",
  certificates: "objects",
  serviceSettings: "objects",
  discoverySelectors: "objects",
  pathNormalization: "object",
  thriftConfig: "object",
  verifyCertificateAtClient: "bool",
  meshNetworks: "object",
  configSources: "objects",
  enableSdsTokenMount: "bool",
  sdsUdsPath: "string",
  serviceScopeConfigs: "objects",
  trustDomainAliasesMode: "string",
  accessLogFilter: "string",
};

const ENUMS: Record<string, readonly string[]> = {
  accessLogEncoding: ["TEXT", "JSON"],
  ingressControllerMode: ["UNSPECIFIED", "OFF", "DEFAULT", "STRICT"],
  h2UpgradePolicy: ["DO_NOT_UPGRADE", "UPGRADE"],
};

const DURATION = /^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/;

/**
 * Parses mesh config YAML and merges it over Istio's defaults. Throws MeshConfigError naming the
 * field for malformed YAML, unknown fields, values of the wrong type and what Istio's
 * ValidateMeshConfig rejects; its warnings go to `onWarning`.
 */
export function parseMeshConfig(
  yamlText: string,
  onWarning?: (path: string, message: string) => void,
): MeshConfig {
  const merged = mergeUserMeshConfig(yamlText);
  const report = new Report("MeshConfig");
  validateMeshConfig(merged, report);
  const [first, ...rest] = report.errors;
  if (first) {
    const more = rest.map((d) => `; ${d.path}: ${d.message}`).join("");
    throw new MeshConfigError(first.path, first.message + more);
  }
  for (const w of report.warnings) onWarning?.(w.path, w.message);
  return merged;
}

function mergeUserMeshConfig(yamlText: string): MeshConfig {
  let raw: unknown;
  try {
    raw = parse(yamlText, { maxAliasCount: 100, uniqueKeys: true });
  } catch (err) {
    throw new MeshConfigError("", `malformed YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (raw === null || raw === undefined) return defaultMeshConfig();
  if (!isObject(raw)) throw new MeshConfigError("", "expected a map of fields");
  for (const [key, value] of Object.entries(raw)) checkField(key, value);
  return mergeMeshConfig(defaultMeshConfig(), raw);
}

/** Merges already-checked user fields over a base config, with Istio's merge rules. */
export function mergeMeshConfig(base: MeshConfig, user: Record<string, unknown>): MeshConfig {
  const out = { ...base, ...user } as MeshConfig;
  if (isObject(user.defaultConfig)) {
    const pc = user.defaultConfig as MeshProxyConfig;
    out.defaultConfig = { ...base.defaultConfig, ...pc };
    if (base.defaultConfig.proxyMetadata || pc.proxyMetadata) {
      out.defaultConfig.proxyMetadata = {
        ...base.defaultConfig.proxyMetadata,
        ...pc.proxyMetadata,
      };
    }
  }
  if (isObject(user.defaultProviders)) {
    out.defaultProviders = { ...base.defaultProviders, ...user.defaultProviders };
  }
  if (Array.isArray(user.extensionProviders)) {
    const merged = base.extensionProviders.map((p) => ({ ...p }));
    for (const p of user.extensionProviders as ExtensionProvider[]) {
      const i = merged.findIndex((e) => e.name === p.name);
      if (i >= 0) merged[i] = p;
      else merged.push(p);
    }
    out.extensionProviders = merged;
  }
  const aliases = new Set([
    ...base.trustDomainAliases,
    ...((user.trustDomainAliases as string[]) ?? []),
  ]);
  out.trustDomainAliases = [...aliases].sort();
  return out;
}

function checkField(key: string, value: unknown): void {
  const type = FIELDS[key];
  if (!type) throw new MeshConfigError(key, `unknown field "${key}"`);
  if (value === null) return;
  const want = (ok: boolean, what: string) => {
    if (!ok) throw new MeshConfigError(key, `expected ${what}, got ${JSON.stringify(value)}`);
  };
  switch (type) {
    case "string":
      want(typeof value === "string", "a string");
      if (ENUMS[key]) want(ENUMS[key].includes(value as string), `one of ${ENUMS[key].join(", ")}`);
      break;
    case "bool":
      want(typeof value === "boolean", "true or false");
      break;
    case "int":
      want(Number.isInteger(value), "an integer");
      break;
    case "duration":
      want(typeof value === "string" && DURATION.test(value), 'a duration such as "10s"');
      break;
    case "strings":
      want(Array.isArray(value) && value.every((v) => typeof v === "string"), "a list of strings");
      break;
    case "object":
      want(isObject(value), "a map");
      break;
    case "objects":
      want(Array.isArray(value) && value.every(isObject), "a list of maps");
      break;
  }
  if (key === "outboundTrafficPolicy") {
    const mode = (value as { mode?: unknown }).mode;
    if (mode !== undefined && mode !== "ALLOW_ANY" && mode !== "REGISTRY_ONLY") {
      throw new MeshConfigError(
        `${key}.mode`,
        `expected ALLOW_ANY or REGISTRY_ONLY, got ${JSON.stringify(mode)}`,
      );
    }
  }
  if (key === "extensionProviders") {
    (value as Record<string, unknown>[]).forEach((p, i) => {
      if (typeof p.name !== "string" || p.name === "") {
        throw new MeshConfigError(`${key}[${i}].name`, "extension provider name must be set");
      }
      if (Object.keys(p).filter((k) => k !== "name").length !== 1) {
        throw new MeshConfigError(`${key}[${i}]`, "exactly one provider type must be set");
      }
    });
  }
  if (key === "defaultConfig") checkProxyConfig(value as Record<string, unknown>);
}

const PROXY_INTS = ["proxyAdminPort", "statNameLength", "concurrency", "statusPort"];
const PROXY_DURATIONS = ["drainDuration", "parentShutdownDuration", "terminationDrainDuration"];

function checkProxyConfig(pc: Record<string, unknown>): void {
  for (const k of PROXY_INTS) {
    if (pc[k] !== undefined && pc[k] !== null && !Number.isInteger(pc[k])) {
      throw new MeshConfigError(
        `defaultConfig.${k}`,
        `expected an integer, got ${JSON.stringify(pc[k])}`,
      );
    }
  }
  for (const k of PROXY_DURATIONS) {
    const v = pc[k];
    if (v !== undefined && v !== null && !(typeof v === "string" && DURATION.test(v))) {
      throw new MeshConfigError(
        `defaultConfig.${k}`,
        `expected a duration such as "10s", got ${JSON.stringify(v)}`,
      );
    }
  }
  const md = pc.proxyMetadata;
  if (md !== undefined && md !== null) {
    if (!isObject(md) || !Object.values(md).every((v) => typeof v === "string")) {
      throw new MeshConfigError("defaultConfig.proxyMetadata", "expected a map of strings");
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
