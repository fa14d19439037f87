// Defensive readers for unvalidated specs: analysis runs on whatever the user wrote, so every
// field is read through these and a wrong type reads as absent instead of throwing.

export type Obj = Readonly<Record<string, unknown>>;

export function obj(v: unknown): Obj {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {};
}

export function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function objs(v: unknown): readonly Obj[] {
  return list(v).map(obj);
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

export function strs(v: unknown): readonly string[] {
  return list(v).filter((x): x is string => typeof x === "string");
}

export function num(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** A string map such as labels or a selector's matchLabels. */
export function labels(v: unknown): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) out[k] = str(x);
  return out;
}

/** The value under `key`, created with `init` on first use. */
export function getOrInit<K, V>(map: Map<K, V>, key: K, init: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = init();
    map.set(key, v);
  }
  return v;
}

/** resource.FullName.String(): `namespace/name`, or just `name` without a namespace. */
export function fullName(r: { metadata: { namespace?: string; name: string } }): string {
  return joinName(r.metadata.namespace, r.metadata.name);
}

export function joinName(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
