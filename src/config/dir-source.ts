// A config source that mirrors a directory of YAML/JSON files into the store. Each file is
// applied whole: when any document in it is invalid the problem is reported and the store keeps
// the file's last good objects. Deleting a file deletes its objects.

import { type FSWatcher, watch } from "node:fs";
import { relative } from "node:path";
import type { Diagnostic } from "../api/diagnostic.ts";
import { keyOf, type Resource } from "../api/resource.ts";
import { validateObject } from "../api/validate.ts";
import { readInputs } from "./read.ts";
import type { ConfigStore, Write } from "./store.ts";

export interface DirSourceOptions {
  /** Quiet time after the last file event before re-reading, in ms. */
  readonly debounceMs?: number;
  /** Called with the problems of each sync; an empty list means the sync was clean. */
  readonly onProblems?: (problems: readonly Diagnostic[]) => void;
}

export class DirSource {
  readonly #dir: string;
  readonly #store: ConfigStore;
  readonly #opts: DirSourceOptions;
  /** Objects currently in the store per file, by key. */
  readonly #byFile = new Map<string, Map<string, Resource>>();
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(dir: string, store: ConfigStore, opts: DirSourceOptions = {}) {
    this.#dir = dir;
    this.#store = store;
    this.#opts = opts;
  }

  /** Reads the whole directory once and starts watching it. */
  start(): readonly Diagnostic[] {
    const problems = this.sync();
    this.#watcher = watch(this.#dir, { recursive: true }, () => this.#schedule());
    this.#watcher.on("error", () => this.#schedule());
    return problems;
  }

  stop(): void {
    this.#watcher?.close();
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.sync(), this.#opts.debounceMs ?? 50);
  }

  /** Re-reads every file and applies the valid ones in one store batch. */
  sync(): readonly Diagnostic[] {
    const { objects, problems } = readInputs([this.#dir]);
    const found = new Map<string, FileState>();
    const fileOf = (file: string | undefined) => relative(this.#dir, file ?? "");
    for (const p of problems) entry(found, fileOf(p.origin?.file)).bad = true;
    for (const obj of objects) {
      const slot = entry(found, fileOf(obj.origin.file));
      const { resource, diagnostics } = validateObject(obj);
      problems.push(...diagnostics);
      if (resource) slot.objects.push(resource);
      else slot.bad = true;
    }
    const writes: Write[] = [];
    const next = new Map<string, Map<string, Resource>>();
    for (const [file, { objects: objs, bad }] of found) {
      if (bad) {
        const kept = this.#byFile.get(file);
        if (kept) next.set(file, kept);
        continue;
      }
      next.set(file, new Map(objs.map((r) => [keyOf(r), r])));
    }
    const live = new Set<string>();
    for (const objs of next.values()) for (const k of objs.keys()) live.add(k);
    for (const objs of this.#byFile.values()) {
      for (const [k, r] of objs) {
        if (!live.has(k)) {
          const { kind, metadata } = r;
          writes.push({
            op: "delete",
            kindId: kind.id,
            namespace: metadata.namespace,
            name: metadata.name,
          });
        }
      }
    }
    for (const [file, objs] of next) {
      if (this.#byFile.get(file) === objs) continue;
      for (const r of objs.values()) writes.push({ op: "apply", resource: r });
    }
    this.#byFile.clear();
    for (const [f, o] of next) this.#byFile.set(f, o);
    this.#store.commit(writes);
    this.#opts.onProblems?.(problems);
    return problems;
  }
}

interface FileState {
  objects: Resource[];
  bad: boolean;
}

function entry(map: Map<string, FileState>, file: string): FileState {
  let e = map.get(file);
  if (!e) {
    e = { objects: [], bad: false };
    map.set(file, e);
  }
  return e;
}
