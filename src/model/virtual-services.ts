// VirtualServices normalised for the push: hosts and destinations resolved to FQDNs, gateway
// names qualified (`ns/name`, or `mesh`), delegate routes merged into their roots as Istio's
// mergeVirtualServicesIfNeeded does, and lookups by gateway and viewing namespace.

import type { Resource } from "../api/resource.ts";
import type {
  Destination,
  HTTPMatchRequest,
  HTTPRoute,
  VirtualServiceSpec,
} from "../api/types/index.ts";
import { resolveShortName } from "../registry/hosts.ts";
import { type ExportTo, visibleTo } from "./visibility.ts";

export const MESH_GATEWAY = "mesh";

export interface VirtualServiceConfig {
  readonly name: string;
  readonly namespace: string;
  readonly hosts: readonly string[];
  readonly gateways: readonly string[];
  readonly exportTo: ExportTo;
  /** The spec with hosts resolved and delegates merged. */
  readonly spec: VirtualServiceSpec;
  readonly delegate: boolean;
}

/** `name` → `<vsNamespace>/name`; `mesh` stays. */
export function qualifyGateway(gw: string, namespace: string): string {
  if (gw === MESH_GATEWAY || gw.includes("/")) return gw;
  // `name.namespace.svc.cluster.local` is an older form of `namespace/name`.
  const parts = gw.split(".");
  if (parts.length >= 2) return `${parts[1]}/${parts[0]}`;
  return `${namespace}/${gw}`;
}

function resolveDestination(d: Destination, ns: string, suffix: string): Destination {
  return { ...d, host: resolveShortName(d.host, ns, suffix) };
}

function normaliseHttp(r: HTTPRoute, ns: string, suffix: string): HTTPRoute {
  return {
    ...r,
    match: r.match?.map((m) =>
      m.gateways ? { ...m, gateways: m.gateways.map((g) => qualifyGateway(g, ns)) } : m,
    ),
    route: r.route?.map((d) => ({
      ...d,
      destination: resolveDestination(d.destination, ns, suffix),
    })),
    mirror: r.mirror ? resolveDestination(r.mirror, ns, suffix) : undefined,
    mirrors: r.mirrors?.map((m) => ({
      ...m,
      destination: resolveDestination(m.destination, ns, suffix),
    })),
  };
}

export function normaliseVirtualService(r: Resource, suffix: string): VirtualServiceConfig {
  const spec = r.spec as VirtualServiceSpec;
  const ns = r.metadata.namespace ?? "default";
  const hosts = (spec.hosts ?? []).map((h) => resolveShortName(h, ns, suffix));
  const gateways = (spec.gateways?.length ? spec.gateways : [MESH_GATEWAY]).map((g) =>
    qualifyGateway(g, ns),
  );
  const l4 = <T extends { route?: { destination: Destination }[] }>(x: T): T => ({
    ...x,
    route: x.route?.map((d) => ({
      ...d,
      destination: resolveDestination(d.destination, ns, suffix),
    })),
  });
  return {
    name: r.metadata.name,
    namespace: ns,
    hosts,
    gateways,
    exportTo: spec.exportTo ?? [],
    delegate: hosts.length === 0,
    spec: {
      ...spec,
      hosts,
      gateways,
      http: spec.http?.map((h) => normaliseHttp(h, ns, suffix)),
      tls: spec.tls?.map(l4),
      tcp: spec.tcp?.map(l4),
    },
  };
}

/** Merges one delegate route's match with its root's: fields AND together, delegate wins. */
function mergeMatch(root: HTTPMatchRequest, del: HTTPMatchRequest): HTTPMatchRequest {
  const merged: HTTPMatchRequest = {
    ...root,
    ...del,
    headers: root.headers || del.headers ? { ...root.headers, ...del.headers } : undefined,
    queryParams:
      root.queryParams || del.queryParams ? { ...root.queryParams, ...del.queryParams } : undefined,
    withoutHeaders:
      root.withoutHeaders || del.withoutHeaders
        ? { ...root.withoutHeaders, ...del.withoutHeaders }
        : undefined,
  };
  for (const k of Object.keys(merged) as (keyof HTTPMatchRequest)[]) {
    if (merged[k] === undefined) delete merged[k];
  }
  return merged;
}

const INHERITED = [
  "rewrite",
  "timeout",
  "retries",
  "fault",
  "mirror",
  "corsPolicy",
  "headers",
] as const;

/** Istio's mergeHTTPRoutes: a root route's delegate expands into the delegate's routes. */
function expandDelegate(root: HTTPRoute, delegate: VirtualServiceConfig): HTTPRoute[] {
  const out: HTTPRoute[] = [];
  for (const r of delegate.spec.http ?? []) {
    const merged: HTTPRoute = { ...r };
    for (const f of INHERITED) {
      if (merged[f] === undefined && root[f] !== undefined) {
        (merged as Record<string, unknown>)[f] = root[f];
      }
    }
    if (root.match?.length) {
      const dm = r.match?.length ? r.match : [{}];
      merged.match = root.match.flatMap((rm) => dm.map((m) => mergeMatch(rm, m)));
    }
    out.push(merged);
  }
  return out;
}

/** Replaces delegate actions of root VirtualServices by the delegates' routes (one level). */
export function mergeDelegates(all: readonly VirtualServiceConfig[]): VirtualServiceConfig[] {
  const delegates = new Map(
    all.filter((v) => v.delegate).map((v) => [`${v.namespace}/${v.name}`, v]),
  );
  return all
    .filter((v) => !v.delegate)
    .map((root) => {
      if (!root.spec.http?.some((h) => h.delegate)) return root;
      const http = root.spec.http.flatMap((h) => {
        if (!h.delegate) return [h];
        const key = `${h.delegate.namespace ?? root.namespace}/${h.delegate.name ?? ""}`;
        const d = delegates.get(key);
        // A missing delegate or one not exported to the root's namespace drops the route.
        if (!d || !visibleTo(d.exportTo, d.namespace, root.namespace)) return [];
        return expandDelegate(h, d);
      });
      return { ...root, spec: { ...root.spec, http } };
    });
}
