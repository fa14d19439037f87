// JSON values as Kubernetes hands them to CEL: integers become CEL ints (bigint), numbers
// doubles, and object properties are renamed by Kubernetes' escaping rules so a rule can say
// `self.__namespace__` for a field called `namespace`.

import type { Structural } from "./structural.ts";

const RESERVED = new Set([
  "true",
  "false",
  "null",
  "in",
  "as",
  "break",
  "const",
  "continue",
  "else",
  "for",
  "function",
  "if",
  "import",
  "let",
  "loop",
  "package",
  "namespace",
  "return",
  "var",
  "void",
  "while",
]);

/** Kubernetes' CEL property-name escaping; undefined when the name cannot be accessed. */
export function escapeName(name: string): string | undefined {
  if (RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name
    .replaceAll("__", "__underscores__")
    .replaceAll(".", "__dot__")
    .replaceAll("-", "__dash__")
    .replaceAll("/", "__slash__");
}

/** An untyped JSON value (under x-kubernetes-preserve-unknown-fields). */
function dynamic(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(dynamic);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = dynamic(x);
    return out;
  }
  return v;
}

export function toCel(s: Structural | undefined, v: unknown, rootMeta = false): unknown {
  if (v === null || v === undefined) return null;
  if (!s) return dynamic(v);
  if (typeof v === "number") {
    if (s.type === "number") return v;
    return Number.isInteger(v) ? BigInt(v) : v;
  }
  if (Array.isArray(v)) return v.map((x) => toCel(s.items, x));
  if (typeof v === "object") {
    const obj = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    if (s.properties) {
      for (const [k, x] of Object.entries(obj)) {
        const prop = s.properties.get(k);
        const name = escapeName(k);
        if (!name) continue;
        if (prop) out[name] = rootMeta && k === "metadata" ? metadataView(x) : toCel(prop, x);
        else if (s.preserveUnknownFields) out[name] = dynamic(x);
      }
      return out;
    }
    if (s.additionalProperties) {
      for (const [k, x] of Object.entries(obj)) out[k] = toCel(s.additionalProperties, x);
      return out;
    }
    return dynamic(v);
  }
  return v;
}

/** Rules on the root see only metadata.name and metadata.generateName, as in Kubernetes. */
function metadataView(meta: unknown): Record<string, unknown> {
  const m = (meta ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof m.name === "string") out.name = m.name;
  if (typeof m.generateName === "string") out.generateName = m.generateName;
  return out;
}
