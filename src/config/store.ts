// The config store: every object the mesh is told about, keyed by kind, namespace and name,
// with a resource version per write and change events per batch. Writes in one batch are seen
// together (atomically) by listeners.

import { keyOf, type Resource, resourceKey } from "../api/resource.ts";

export type ChangeType = "added" | "updated" | "deleted";

export interface ChangeEvent {
  readonly type: ChangeType;
  /** The new object, or the deleted one. */
  readonly resource: Resource;
  readonly previous?: Resource;
}

export type StoreListener = (events: readonly ChangeEvent[]) => void;

export type Write =
  | { readonly op: "apply"; readonly resource: Resource }
  | {
      readonly op: "delete";
      readonly kindId: string;
      readonly namespace?: string;
      readonly name: string;
    };

export class ConfigStore {
  readonly #items = new Map<string, Resource>();
  readonly #listeners = new Set<StoreListener>();
  #revision = 0;

  /** The revision of the last write, as a resource version string. */
  get revision(): string {
    return String(this.#revision);
  }

  get(kindId: string, namespace: string | undefined, name: string): Resource | undefined {
    return this.#items.get(resourceKey(kindId, namespace, name));
  }

  list(kindId?: string, namespace?: string): Resource[] {
    const out: Resource[] = [];
    for (const r of this.#items.values()) {
      if (kindId !== undefined && r.kind.id !== kindId) continue;
      if (namespace !== undefined && r.metadata.namespace !== namespace) continue;
      out.push(r);
    }
    return out.sort(compareResources);
  }

  get size(): number {
    return this.#items.size;
  }

  apply(resource: Resource): Resource | undefined {
    return this.commit([{ op: "apply", resource }])[0]?.resource;
  }

  delete(kindId: string, namespace: string | undefined, name: string): boolean {
    return this.commit([{ op: "delete", kindId, namespace, name }]).length > 0;
  }

  /**
   * Applies a batch of writes as one change: listeners see all of its events in one call.
   * An apply whose object equals the stored one (ignoring resourceVersion) is not a change.
   */
  commit(writes: readonly Write[]): ChangeEvent[] {
    const events: ChangeEvent[] = [];
    for (const w of writes) {
      if (w.op === "delete") {
        const key = resourceKey(w.kindId, w.namespace, w.name);
        const old = this.#items.get(key);
        if (!old) continue;
        this.#items.delete(key);
        this.#revision++;
        events.push({ type: "deleted", resource: old });
        continue;
      }
      const key = keyOf(w.resource);
      const old = this.#items.get(key);
      if (old && sameContent(old, w.resource)) continue;
      this.#revision++;
      const stored = withVersion(w.resource, String(this.#revision));
      this.#items.set(key, stored);
      events.push(
        old
          ? { type: "updated", resource: stored, previous: old }
          : { type: "added", resource: stored },
      );
    }
    if (events.length > 0) for (const l of this.#listeners) l(events);
    return events;
  }

  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

function withVersion(r: Resource, resourceVersion: string): Resource {
  return Object.freeze({ ...r, metadata: Object.freeze({ ...r.metadata, resourceVersion }) });
}

function sameContent(a: Resource, b: Resource): boolean {
  const strip = (r: Resource) =>
    JSON.stringify({
      ...r,
      kind: r.kind.id,
      origin: undefined,
      metadata: { ...r.metadata, resourceVersion: undefined },
    });
  return strip(a) === strip(b);
}

export function compareResources(a: Resource, b: Resource): number {
  return (
    a.kind.id.localeCompare(b.kind.id) ||
    (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
    a.metadata.name.localeCompare(b.metadata.name)
  );
}
