// The local mesh's applied config: one YAML file per object under $MAST_HOME/config, which the
// control plane watches (DirSource). Writes are atomic (temp file + rename), so the control plane
// never reads half a file and a restart finds exactly what was applied.

import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { keyOf, type Resource, resourceKey, toManifest } from "../api/resource.ts";
import { validateObject } from "../api/validate.ts";
import { readInputs } from "../config/read.ts";

export type ApplyOutcome = "created" | "configured" | "unchanged";

export function resourceFile(
  dir: string,
  kindId: string,
  namespace: string | undefined,
  name: string,
): string {
  return join(dir, kindId, namespace ?? "_cluster", `${name}.yaml`);
}

/** Every object in the config directory, by key. */
export function readConfigDir(dir: string): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const obj of readInputs([dir]).objects) {
    const { resource } = validateObject(obj);
    if (resource) out.set(keyOf(resource), resource);
  }
  return out;
}

function sameObject(a: Resource, b: Resource): boolean {
  const plain = (r: Resource) => {
    const m = toManifest(r);
    const meta = { ...(m.metadata as Record<string, unknown>), resourceVersion: undefined };
    return JSON.stringify({ ...m, apiVersion: undefined, metadata: meta });
  };
  return plain(a) === plain(b);
}

/** Writes objects (already validated) and reports what each write did, kubectl-style. */
export function applyToConfigDir(dir: string, resources: readonly Resource[]): ApplyOutcome[] {
  const existing = readConfigDir(dir);
  return resources.map((r) => {
    const old = existing.get(keyOf(r));
    if (old && sameObject(old, r)) return "unchanged";
    const file = resourceFile(dir, r.kind.id, r.metadata.namespace, r.metadata.name);
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, stringify(toManifest(r), { lineWidth: 0 }));
    renameSync(tmp, file);
    return old ? "configured" : "created";
  });
}

export function deleteFromConfigDir(
  dir: string,
  r: { kindId: string; namespace?: string; name: string },
): boolean {
  const file = resourceFile(dir, r.kindId, r.namespace, r.name);
  const existed = readConfigDir(dir).has(resourceKey(r.kindId, r.namespace, r.name));
  rmSync(file, { force: true });
  return existed;
}
