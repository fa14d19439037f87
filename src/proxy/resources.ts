// The proxy's view of its config, as Envoy's config dump shows it: static resources from the
// bootstrap and dynamic ones from xDS, each with its version and last update time, plus the last
// rejected update per resource (error_state).

import type { JsonObject } from "../envoy/index.ts";

export interface ResourceEntry {
  readonly name: string;
  readonly resource: JsonObject;
  readonly versionInfo: string;
  readonly lastUpdated: string;
  readonly isStatic: boolean;
}

export interface ErrorState {
  readonly failedConfiguration: JsonObject;
  readonly lastUpdateAttempt: string;
  readonly details: string;
  readonly versionInfo: string;
}

export type ResourceKind = "listener" | "cluster" | "route" | "endpoint" | "secret";

export class ResourceStore {
  private readonly entries = new Map<ResourceKind, Map<string, ResourceEntry>>();
  private readonly errors = new Map<ResourceKind, Map<string, ErrorState>>();
  readonly versions = new Map<ResourceKind, string>();

  private map<T>(m: Map<ResourceKind, Map<string, T>>, k: ResourceKind): Map<string, T> {
    let x = m.get(k);
    if (!x) {
      x = new Map();
      m.set(k, x);
    }
    return x;
  }

  set(
    kind: ResourceKind,
    name: string,
    resource: JsonObject,
    versionInfo: string,
    isStatic = false,
  ): void {
    this.map(this.entries, kind).set(name, {
      name,
      resource,
      versionInfo,
      lastUpdated: new Date().toISOString(),
      isStatic,
    });
    this.map(this.errors, kind).delete(name);
  }

  delete(kind: ResourceKind, name: string): void {
    this.map(this.entries, kind).delete(name);
  }

  get(kind: ResourceKind, name: string): ResourceEntry | undefined {
    return this.map(this.entries, kind).get(name);
  }

  list(kind: ResourceKind): ResourceEntry[] {
    return [...this.map(this.entries, kind).values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  setError(kind: ResourceKind, name: string, e: ErrorState): void {
    this.map(this.errors, kind).set(name, e);
  }

  error(kind: ResourceKind, name: string): ErrorState | undefined {
    return this.map(this.errors, kind).get(name);
  }

  errorsOf(kind: ResourceKind): [string, ErrorState][] {
    return [...this.map(this.errors, kind).entries()];
  }
}
