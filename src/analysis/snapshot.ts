// The immutable input of analysis: every resource of one configuration (files or live config)
// indexed by kind, plus mesh config and mesh networks. Analyzers only read it.

import type { Diagnostic } from "../api/diagnostic.ts";
import { findKind, splitApiVersion } from "../api/kinds.ts";
import type { RawObject } from "../api/parse.ts";
import { type ObjectMeta, type Resource, specOf } from "../api/resource.ts";
import { toResource } from "../api/validate.ts";
import { K, localKind } from "./kinds.ts";
import { ISTIO_SYSTEM, type MeshView, meshView } from "./mesh.ts";
import { getOrInit } from "./util/fields.ts";

export class Snapshot {
  readonly resources: readonly Resource[];
  readonly mesh: MeshView;
  /** The time certificate validity is judged at (ms since epoch); injected, not read. */
  readonly now: number;
  readonly #clusters: ReadonlyMap<Resource, string>;
  readonly #byKind = new Map<string, Resource[]>();
  readonly #byKey = new Map<string, Resource>();

  constructor(
    resources: readonly Resource[],
    mesh: MeshView = meshView(),
    now = 0,
    clusters: ReadonlyMap<Resource, string> = new Map(),
  ) {
    this.resources = resources;
    this.#clusters = clusters;
    this.mesh = mesh;
    this.now = now;
    for (const r of resources) {
      const list = getOrInit(this.#byKind, r.kind.id, () => []);
      list.push(r);
      this.#byKey.set(key(r.kind.id, r.metadata.namespace, r.metadata.name), r);
    }
  }

  /** All resources of a kind, in input order. */
  list(kindId: string): readonly Resource[] {
    return this.#byKind.get(kindId) ?? [];
  }

  /** The cluster a resource came from in multi-cluster analysis; undefined otherwise. */
  clusterOf(r: Resource): string | undefined {
    return this.#clusters.get(r);
  }

  get(kindId: string, namespace: string | undefined, name: string): Resource | undefined {
    return this.#byKey.get(key(kindId, namespace, name));
  }
}

function key(kindId: string, namespace: string | undefined, name: string): string {
  return `${kindId}\u0000${namespace ?? ""}\u0000${name}`;
}

export interface SnapshotOptions {
  /** Plain MeshConfig object (from a mesh config file); Istio's defaults apply to the rest. */
  readonly meshConfig?: Record<string, unknown>;
  /** Plain MeshNetworks object (`networks: {...}`). */
  readonly meshNetworks?: Record<string, unknown>;
  /** Namespace given to namespaced resources that have none; by default they keep none. */
  readonly defaultNamespace?: string;
  /** Add the resources istioctl adds to local analysis (the ingress gateway); default true. */
  readonly defaultResources?: boolean;
  /** Time for certificate validity checks, ms since epoch; the caller's clock. */
  readonly now?: number;
  /** More clusters for multi-cluster analysis; their resources are kept apart by cluster id. */
  readonly clusters?: readonly { readonly id: string; readonly objects: readonly RawObject[] }[];
}

export interface LoadedSnapshot {
  readonly snapshot: Snapshot;
  /** Objects that could not be turned into resources (no kind, no name, …). */
  readonly problems: readonly Diagnostic[];
}

/** Builds a snapshot from parsed documents the way istioctl's local analysis loads files. */
export function buildSnapshot(
  objects: readonly RawObject[],
  opts: SnapshotOptions = {},
): LoadedSnapshot {
  const mesh = meshView(opts.meshConfig ?? {});
  const problems: Diagnostic[] = [];
  const byKey = new Map<string, Resource>();
  const clusterOf = new Map<Resource, string>();
  const add = (r: Resource, cluster = "") => {
    // A later document with the same identity replaces an earlier one, as in a config store.
    const k = `${cluster}\u0000${key(r.kind.id, r.metadata.namespace, r.metadata.name)}`;
    byKey.delete(k);
    byKey.set(k, r);
    if (cluster) clusterOf.set(r, cluster);
  };
  const load = (objs: readonly RawObject[], cluster?: string) => {
    for (const obj of objs) {
      const r = toAnalysisResource(obj, opts.defaultNamespace);
      if ("diagnostic" in r) problems.push(r.diagnostic);
      else add(r.resource, cluster);
    }
  };
  load(objects);
  for (const c of opts.clusters ?? []) load(c.objects, c.id);
  if (opts.meshConfig) add(synthetic(K.MeshConfig, "meshconfig", opts.meshConfig));
  if (opts.meshNetworks) add(synthetic(K.MeshNetworks, "meshnetworks", opts.meshNetworks));
  if (opts.defaultResources !== false && mesh.ingressControllerMode !== "OFF") {
    for (const r of defaultResources(mesh)) add(r);
  }
  const snapshot = new Snapshot([...byKey.values()], mesh, opts.now ?? 0, clusterOf);
  return { snapshot, problems };
}

type Converted = { resource: Resource } | { diagnostic: Diagnostic };

function toAnalysisResource(obj: RawObject, defaultNamespace: string | undefined): Converted {
  const converted = toResource(obj);
  let resource: Resource;
  if (converted.ok) {
    resource = converted.resource;
  } else {
    const generic = genericResource(obj);
    if (!generic) return { diagnostic: converted.diagnostic };
    resource = generic;
  }
  if (defaultNamespace && resource.kind.namespaced && !resource.metadata.namespace) {
    resource = { ...resource, metadata: { ...resource.metadata, namespace: defaultNamespace } };
  }
  return { resource };
}

/**
 * Kinds the API layer does not list (CustomResourceDefinition, ValidatingWebhookConfiguration,
 * …) are still analysis input; they keep their metadata as written.
 */
function genericResource(obj: RawObject): Resource | undefined {
  const { apiVersion, kind, metadata } = obj.body;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !kind) return undefined;
  const { group } = splitApiVersion(apiVersion);
  if (findKind(group, kind)) return undefined; // a known kind that failed identification
  const meta = metadata as ObjectMeta | undefined;
  if (!meta || typeof meta.name !== "string" || !meta.name) return undefined;
  return {
    kind: localKind(group, kind),
    apiVersion,
    metadata: {
      ...meta,
      namespace: typeof meta.namespace === "string" ? meta.namespace : undefined,
    },
    spec: specOf(obj.body),
    status: obj.body.status,
    origin: obj.origin,
  };
}

function synthetic(kindId: string, name: string, spec: Record<string, unknown>): Resource {
  return {
    kind: localKind("", kindId),
    apiVersion: "v1",
    metadata: { name, namespace: ISTIO_SYSTEM },
    spec,
  };
}

/** istioctl's local defaults: an ingress gateway Service and a Pod it selects. */
function defaultResources(mesh: MeshView): Resource[] {
  const labels = { istio: mesh.ingressSelector };
  const pod = findKind("", "Pod");
  const service = findKind("", "Service");
  if (!pod || !service) return [];
  const port = (name: string, nodePort: number, p: number) => ({
    name,
    nodePort,
    port: p,
    protocol: "TCP",
    targetPort: p,
  });
  return [
    {
      kind: pod,
      apiVersion: "v1",
      metadata: { name: `${mesh.ingressService}-dummypod`, namespace: ISTIO_SYSTEM, labels },
      spec: { containers: [{ name: "istio-proxy", args: null }] },
    },
    {
      kind: service,
      apiVersion: "v1",
      metadata: { name: mesh.ingressService, namespace: ISTIO_SYSTEM },
      spec: {
        selector: labels,
        ports: [
          port("http2", 31380, 80),
          port("https", 31390, 443),
          port("tcp", 31400, 31400),
          port("tls", 31447, 15443),
        ],
      },
    },
  ];
}
