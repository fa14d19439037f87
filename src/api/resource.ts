// The internal form of every config object: one shape whatever apiVersion the user wrote,
// keyed by kind id, namespace and name. Objects are frozen once loaded; the pure core never
// mutates them.

import type { KindInfo } from "./kinds.ts";

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly uid?: string;
  readonly creationTimestamp?: string;
}

/** Where a resource came from, for messages such as `x.yaml:12`. */
export interface Origin {
  readonly file?: string;
  /** 1-based line of the document's first line. */
  readonly line?: number;
  /** 0-based index of the document in its file or stream. */
  readonly doc: number;
}

/**
 * A config object. `spec` is the object's `spec` for kinds that have one; for kinds without a
 * spec (Secret, ConfigMap, Endpoints, EndpointSlice, Namespace) it holds the remaining top-level
 * fields (`data`, `subsets`, `endpoints`, …), so every kind is read the same way.
 */
export interface Resource<S = Record<string, unknown>> {
  readonly kind: KindInfo;
  /** apiVersion as written; the internal form does not depend on it. */
  readonly apiVersion: string;
  readonly metadata: ObjectMeta;
  readonly spec: S;
  readonly status?: unknown;
  readonly origin?: Origin;
}

/** `Kind namespace/name`, or `Kind name` for cluster-scoped or namespace-less input. */
export function describe(r: { kind: KindInfo; metadata: ObjectMeta }): string {
  const ns = r.metadata.namespace;
  return ns ? `${r.kind.kind} ${ns}/${r.metadata.name}` : `${r.kind.kind} ${r.metadata.name}`;
}

export function resourceKey(kindId: string, namespace: string | undefined, name: string): string {
  return `${kindId}/${namespace ?? ""}/${name}`;
}

export function keyOf(r: Resource<unknown>): string {
  return resourceKey(r.kind.id, r.metadata.namespace, r.metadata.name);
}

/** Kinds whose objects carry their payload beside `metadata` rather than in `spec`. */
const SPECLESS_KINDS = new Set([
  "Secret",
  "ConfigMap",
  "Endpoints",
  "EndpointSlice.discovery.k8s.io",
  "ServiceAccount",
  "MutatingWebhookConfiguration.admissionregistration.k8s.io",
]);
const ENVELOPE_FIELDS = new Set(["apiVersion", "kind", "metadata", "status"]);

/** The `spec` of the internal form: `spec`, or the payload fields of a kind without one. */
export function specOf(body: Record<string, unknown>, kindId?: string): Record<string, unknown> {
  const specless = kindId ? SPECLESS_KINDS.has(kindId) : !("spec" in body);
  if (!specless) return (body.spec ?? {}) as Record<string, unknown>;
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!ENVELOPE_FIELDS.has(k)) rest[k] = v;
  return rest;
}

/** The Kubernetes manifest of a resource, the inverse of the internal form. */
export function toManifest(r: Resource<unknown>): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.metadata)) if (v !== undefined) meta[k] = v;
  const head = { apiVersion: r.apiVersion, kind: r.kind.kind, metadata: meta };
  const body = SPECLESS_KINDS.has(r.kind.id)
    ? { ...head, ...(r.spec as Record<string, unknown>) }
    : { ...head, spec: r.spec };
  return r.status === undefined ? body : { ...body, status: r.status };
}
