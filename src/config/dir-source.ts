// A config source that mirrors a directory of YAML/JSON files into the store. Each file is
// applied whole: when any document in it is invalid the problem is reported and the store keeps
// the file's last good objects. Deleting a file deletes its objects. A re-read parses and
// validates only files whose bytes changed (a mesh of 5,000 files is not re-parsed for one edit).

import { type FSWatcher, watch } from "node:fs";
import { relative } from "node:path";
import type { Diagnostic } from "../api/diagnostic.ts";
import { parseText } from "../api/parse.ts";
import { keyOf, type Resource } from "../api/resource.ts";
import { validateObject } from "../api/validate.ts";
import { expand, readBounded } from "./read.ts";
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
  /** Each file's bytes and what they parsed and validated to, as of the last sync. */
  #files = new Map<string, ReadFile>();
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
    const problems: Diagnostic[] = [];
    const files = new Map<string, ReadFile>();
    for (const path of expand(this.#dir, problems)) {
      if (path === 0) continue;
      const file = relative(this.#dir, path);
      const bytes = readBounded(path, problems);
      if (!bytes) {
        files.set(file, { bytes: Buffer.alloc(0), objects: new Map(), bad: true, problems: [] });
        continue;
      }
      const known = this.#files.get(file);
      const read = known?.bytes.equals(bytes) ? known : readFile(path, bytes);
      files.set(file, read);
      problems.push(...read.problems);
    }
    this.#files = files;
    const next = new Map<string, Map<string, Resource>>();
    for (const [file, { objects, bad }] of files) {
      if (bad) {
        const kept = this.#byFile.get(file);
        if (kept) next.set(file, kept);
        continue;
      }
      next.set(file, objects);
    }
    const writes: Write[] = [];
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

interface ReadFile {
  readonly bytes: Buffer;
  /** The valid objects by key (the same Map while the file is unchanged). */
  readonly objects: Map<string, Resource>;
  /** Unreadable, unparsable or with an invalid object: the store keeps its last good objects. */
  readonly bad: boolean;
  readonly problems: readonly Diagnostic[];
}

function readFile(path: string, bytes: Buffer): ReadFile {
  const parsed = parseText(bytes, path);
  const problems = [...parsed.problems];
  let bad = problems.length > 0;
  const objects = new Map<string, Resource>();
  for (const obj of parsed.objects) {
    const { resource, diagnostics } = validateObject(obj);
    problems.push(...diagnostics);
    if (resource) objects.set(keyOf(resource), resource);
    else bad = true;
  }
  return { bytes, objects, bad, problems };
}
