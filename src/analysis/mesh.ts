// A narrow reader of MeshConfig and MeshNetworks for the analyzers: the fields they consult,
// with Istio's defaults. Input is the plain object from a mesh config file (or {}).

import { parse, stringify } from "yaml";
import { MeshConfigError, parseMeshConfig as parseWithDefaults } from "../api/mesh-config.ts";

export interface MeshView {
  readonly raw: Readonly<Record<string, unknown>>;
  readonly rootNamespace: string;
  readonly ingressService: string;
  readonly ingressSelector: string;
  readonly ingressControllerMode: string;
  readonly trustDomain: string;
  /** `defaultConfig.proxyMetadata`. */
  readonly proxyMetadata: Readonly<Record<string, string>>;
  readonly extensionProviders: readonly Readonly<Record<string, unknown>>[];
  readonly defaultProviders: Readonly<Record<string, unknown>>;
}

export const ISTIO_SYSTEM = "istio-system";

function record(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function meshView(raw: Record<string, unknown> = {}): MeshView {
  const defaultConfig = record(raw.defaultConfig);
  const proxyMetadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(defaultConfig.proxyMetadata))) {
    proxyMetadata[k] = String(v);
  }
  const str = (v: unknown, d: string) => (typeof v === "string" && v !== "" ? v : d);
  return {
    raw,
    rootNamespace: str(raw.rootNamespace, ISTIO_SYSTEM),
    ingressService: str(raw.ingressService, "istio-ingressgateway"),
    ingressSelector: str(raw.ingressSelector, "ingressgateway"),
    ingressControllerMode: str(raw.ingressControllerMode, "STRICT").toUpperCase(),
    trustDomain: str(raw.trustDomain, "cluster.local"),
    proxyMetadata,
    extensionProviders: Array.isArray(raw.extensionProviders)
      ? raw.extensionProviders.map(record)
      : [],
    defaultProviders: record(raw.defaultProviders),
  };
}

export interface ParsedMeshConfig {
  readonly config: Record<string, unknown>;
  /** Fields Mast does not know, left out rather than failing the whole analysis. */
  readonly warnings: readonly string[];
}

/**
 * Parses a mesh config file (a bare MeshConfig, or the `istio` ConfigMap holding it under
 * `mesh`) and merges it over Istio's defaults. Wrong values throw MeshConfigError naming the
 * field; fields Mast does not know are dropped with a warning (istioctl would accept them).
 */
export function parseMeshConfig(text: string): ParsedMeshConfig {
  const doc = record(parse(text));
  const mesh = doc.kind === "ConfigMap" ? record(doc.data).mesh : undefined;
  const meshText = typeof mesh === "string" ? mesh : doc.kind === "ConfigMap" ? "" : text;
  const fields = { ...record(parse(meshText)) };
  const warnings: string[] = [];
  for (;;) {
    try {
      const config = { ...parseWithDefaults(Object.keys(fields).length ? stringify(fields) : "") };
      return { config, warnings };
    } catch (err) {
      const unknown = err instanceof MeshConfigError && /unknown field/.test(err.message);
      if (!unknown || !(err.path in fields)) throw err;
      warnings.push(`${err.message}; ignored`);
      delete fields[err.path];
    }
  }
}

/** Parses a MeshNetworks file; accepts a bare object or a ConfigMap holding `meshNetworks`. */
export function parseMeshNetworks(text: string): Record<string, unknown> {
  const doc = record(parse(text));
  if (doc.kind === "ConfigMap") {
    const nets = record(doc.data).meshNetworks;
    return typeof nets === "string" ? record(parse(nets)) : {};
  }
  return doc;
}
