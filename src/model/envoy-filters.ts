// EnvoyFilters prepared for the push, as Istio's EnvoyFilterWrapper: each config patch's value is
// checked against the Envoy proto its applyTo names and put in canonical JSON form once per
// snapshot (an invalid patch is skipped and reported, never failing the push); per proxy, the
// filters of the root namespace and of the proxy's namespace that select it (workloadSelector or
// targetRefs), ordered by priority, then creation time, then name, and their patches whose
// proxy version and metadata match.

import { RE2JS } from "re2js";
import type { Resource } from "../api/resource.ts";
import type {
  ApplyTo,
  EnvoyConfigObjectMatch,
  EnvoyFilterSpec,
  PatchContext,
  PatchOperation,
} from "../api/types/envoy-filter.ts";
import { DEPRECATED_FILTER_NAMES } from "../api/validation/envoy-filter.ts";
import { type JsonObject, normalizeMessage } from "../envoy/index.ts";
import { selectorMatches } from "../registry/workloads.ts";
import type { MeshProxy } from "./proxy.ts";

/** The Envoy message a patch value of each applyTo is. */
export const PATCH_VALUE_TYPE: Partial<Record<ApplyTo, string>> = {
  LISTENER: "envoy.config.listener.v3.Listener",
  FILTER_CHAIN: "envoy.config.listener.v3.FilterChain",
  NETWORK_FILTER: "envoy.config.listener.v3.Filter",
  HTTP_FILTER: "envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter",
  LISTENER_FILTER: "envoy.config.listener.v3.ListenerFilter",
  ROUTE_CONFIGURATION: "envoy.config.route.v3.RouteConfiguration",
  VIRTUAL_HOST: "envoy.config.route.v3.VirtualHost",
  HTTP_ROUTE: "envoy.config.route.v3.Route",
  CLUSTER: "envoy.config.cluster.v3.Cluster",
  EXTENSION_CONFIG: "envoy.config.core.v3.TypedExtensionConfig",
};

/** Istio's filterClass: an HTTP filter ADD placed after authn/authz or before stats. */
const FILTER_CLASS: Record<string, { operation: PatchOperation; anchor: string }> = {
  AUTHN: { operation: "INSERT_AFTER", anchor: "istio_authn" },
  AUTHZ: { operation: "INSERT_AFTER", anchor: "envoy.filters.http.rbac" },
  STATS: { operation: "INSERT_BEFORE", anchor: "istio.stats" },
};

export interface ConfigPatch {
  /** `namespace/name` of the EnvoyFilter, for logs. */
  readonly source: string;
  readonly applyTo: ApplyTo;
  readonly operation: PatchOperation;
  readonly context: PatchContext;
  readonly match: EnvoyConfigObjectMatch;
  /** Canonical JSON of the value's Envoy message; `{}` for REMOVE. */
  readonly value: JsonObject;
  readonly proxyVersion?: RE2JS;
}

interface PreparedFilter {
  readonly resource: Resource;
  readonly spec: EnvoyFilterSpec;
  readonly priority: number;
  readonly patches: readonly ConfigPatch[];
}

export type ProxyPatches = ReadonlyMap<ApplyTo, readonly ConfigPatch[]>;

export class EnvoyFilterIndex {
  readonly #byNamespace = new Map<string, PreparedFilter[]>();
  readonly #rootNamespace: string;
  #versioned = false;
  readonly #metadataKeys = new Set<string>();
  /** Patches skipped as invalid or failing, one line each, each reported once. */
  readonly problems: string[] = [];
  readonly #reported = new Set<string>();

  constructor(filters: readonly Resource[], rootNamespace: string) {
    this.#rootNamespace = rootNamespace;
    for (const r of filters) {
      const ns = r.metadata.namespace ?? "default";
      const spec = (r.spec ?? {}) as EnvoyFilterSpec;
      const prepared: PreparedFilter = {
        resource: r,
        spec,
        priority: spec.priority ?? 0,
        patches: this.#preparePatches(`${ns}/${r.metadata.name}`, spec),
      };
      const list = this.#byNamespace.get(ns) ?? [];
      list.push(prepared);
      this.#byNamespace.set(ns, list);
    }
  }

  get empty(): boolean {
    return this.#byNamespace.size === 0;
  }

  /** Records a skipped patch (deduplicated; `mast pilot` logs new ones after each push). */
  report(message: string): void {
    if (this.#reported.has(message)) return;
    this.#reported.add(message);
    this.problems.push(message);
  }

  /**
   * What, besides namespace and labels, selects a proxy's patches: its version when a patch
   * matches on it and the node metadata patches match on. Part of generation cache keys.
   */
  proxyKey(proxy: Pick<MeshProxy, "istioVersion" | "nodeMetadata">): string {
    if (!this.#versioned && this.#metadataKeys.size === 0) return "";
    const meta = [...this.#metadataKeys].map((k) => String(proxy.nodeMetadata?.[k] ?? ""));
    return [this.#versioned ? proxy.istioVersion : "", ...meta].join("|");
  }

  #preparePatches(source: string, spec: EnvoyFilterSpec): ConfigPatch[] {
    const out: ConfigPatch[] = [];
    (spec.configPatches ?? []).forEach((cp, i) => {
      try {
        const p = preparePatch(source, cp);
        if (p.proxyVersion) this.#versioned = true;
        for (const k of Object.keys(p.match.proxy?.metadata ?? {})) this.#metadataKeys.add(k);
        out.push(p);
      } catch (err) {
        this.report(`EnvoyFilter ${source} configPatches[${i}]: ${(err as Error).message}`);
      }
    });
    return out;
  }

  /** The patches that apply to a proxy, by applyTo, in application order. */
  forProxy(
    proxy: Pick<MeshProxy, "namespace" | "labels" | "istioVersion" | "nodeMetadata">,
  ): ProxyPatches {
    const selected: PreparedFilter[] = [];
    const namespaces = new Set([this.#rootNamespace, proxy.namespace]);
    for (const ns of namespaces) {
      for (const f of this.#byNamespace.get(ns) ?? []) {
        if (selects(f, ns, proxy)) selected.push(f);
      }
    }
    selected.sort(
      (a, b) =>
        a.priority - b.priority ||
        (a.resource.metadata.creationTimestamp ?? "").localeCompare(
          b.resource.metadata.creationTimestamp ?? "",
        ) ||
        qualifiedName(a).localeCompare(qualifiedName(b)),
    );
    const out = new Map<ApplyTo, ConfigPatch[]>();
    for (const f of selected) {
      for (const p of f.patches) {
        if (!proxyMatches(p, proxy)) continue;
        const list = out.get(p.applyTo) ?? [];
        list.push(p);
        out.set(p.applyTo, list);
      }
    }
    return out;
  }
}

function qualifiedName(f: PreparedFilter): string {
  return `${f.resource.metadata.name}.${f.resource.metadata.namespace ?? "default"}`;
}

/** workloadSelector (any namespace it lives in selects by labels), or targetRefs to a Gateway. */
function selects(
  f: PreparedFilter,
  ns: string,
  proxy: Pick<MeshProxy, "namespace" | "labels">,
): boolean {
  const refs = f.spec.targetRefs;
  if (refs?.length) {
    return refs.some((ref) => {
      if (ref.kind === "Gateway" && ns === proxy.namespace) {
        return proxy.labels["gateway.networking.k8s.io/gateway-name"] === ref.name;
      }
      if (ref.kind === "GatewayClass") {
        return proxy.labels["gateway.networking.k8s.io/gateway-class-name"] === ref.name;
      }
      // Service and ServiceEntry references select waypoints, which Mast does not run.
      return false;
    });
  }
  const labels = f.spec.workloadSelector?.labels;
  if (!labels || Object.keys(labels).length === 0) return true;
  return selectorMatches(labels, proxy.labels);
}

function proxyMatches(
  p: ConfigPatch,
  proxy: Pick<MeshProxy, "istioVersion" | "nodeMetadata">,
): boolean {
  if (p.proxyVersion) {
    // Without a version the proxy cannot match a version regex (Istio's proxyMatch).
    if (!proxy.istioVersion || !p.proxyVersion.matches(proxy.istioVersion)) return false;
  }
  for (const [k, v] of Object.entries(p.match.proxy?.metadata ?? {})) {
    if (proxy.nodeMetadata?.[k] !== v) return false;
  }
  return true;
}

function canonicalFilterName(name: string | undefined): string | undefined {
  return name === undefined ? undefined : (DEPRECATED_FILTER_NAMES[name] ?? name);
}

/** One config patch checked and normalised; throws with the reason when it cannot apply. */
function preparePatch(
  source: string,
  cp: NonNullable<EnvoyFilterSpec["configPatches"]>[number],
): ConfigPatch {
  const applyTo = cp?.applyTo;
  if (!applyTo || applyTo === "INVALID") throw new Error("missing applyTo");
  const typeName = PATCH_VALUE_TYPE[applyTo];
  if (!typeName) throw new Error(`applyTo ${applyTo} is not supported`);
  let operation = cp.patch?.operation;
  if (!operation || operation === "INVALID") throw new Error("missing patch operation");
  if (operation === "MERGE_AND_REPLACE_LIST")
    throw new Error(`operation ${operation} is not supported`);
  let match: EnvoyConfigObjectMatch = cp.match ?? {};
  const fc = match.listener?.filterChain;
  if (fc?.filter) {
    // Deprecated filter names match the filters Envoy knows under their current names.
    const filter = {
      ...fc.filter,
      name: canonicalFilterName(fc.filter.name),
      subFilter: fc.filter.subFilter && { name: canonicalFilterName(fc.filter.subFilter.name) },
    };
    match = { ...match, listener: { ...match.listener, filterChain: { ...fc, filter } } };
  }
  const filterClass = cp.patch?.filterClass;
  const cls = filterClass ? FILTER_CLASS[filterClass] : undefined;
  if (cls && applyTo === "HTTP_FILTER" && operation === "ADD") {
    operation = cls.operation;
    const listener = match.listener ?? {};
    const filterChain = listener.filterChain ?? {};
    match = {
      ...match,
      listener: {
        ...listener,
        filterChain: {
          ...filterChain,
          filter: {
            name: "envoy.filters.network.http_connection_manager",
            subFilter: { name: cls.anchor },
          },
        },
      },
    };
  }
  let value: JsonObject = {};
  if (operation !== "REMOVE") {
    if (cp.patch?.value === undefined) throw new Error("missing patch value");
    value = normalizeMessage(typeName, cp.patch.value, "patch.value");
  }
  let proxyVersion: RE2JS | undefined;
  const version = match.proxy?.proxyVersion;
  if (version) {
    try {
      proxyVersion = RE2JS.compile(version);
    } catch (err) {
      throw new Error(`invalid proxyVersion regex: ${(err as Error).message}`);
    }
  }
  return {
    source,
    applyTo,
    operation,
    context: match.context ?? "ANY",
    match,
    value,
    proxyVersion,
  };
}
