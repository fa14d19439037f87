// Schema defaulting as the API server does it before validation: a missing field (or a null
// one whose schema is not nullable) takes the schema's `default`, at every depth.

import type { Structural } from "./structural.ts";

function isNonNullableNull(v: unknown, s: Structural): boolean {
  return v === null && !s.nullable;
}

/** Applies defaults in place; `value` must be a private copy. */
export function applyDefaults(s: Structural | undefined, value: unknown): void {
  if (!s || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    if (!s.items) return;
    for (let i = 0; i < value.length; i++) {
      if (s.items.default !== undefined && isNonNullableNull(value[i], s.items)) {
        value[i] = structuredClone(s.items.default);
      }
      applyDefaults(s.items, value[i]);
    }
    return;
  }
  const obj = value as Record<string, unknown>;
  if (s.properties) {
    for (const [k, prop] of s.properties) {
      if (prop.default === undefined) continue;
      if (!(k in obj) || isNonNullableNull(obj[k], prop)) obj[k] = structuredClone(prop.default);
    }
  }
  for (const [k, v] of Object.entries(obj)) {
    const prop = s.properties?.get(k) ?? s.additionalProperties;
    if (!prop) continue;
    if (prop.default !== undefined && isNonNullableNull(v, prop)) {
      obj[k] = structuredClone(prop.default);
    }
    applyDefaults(prop, obj[k]);
  }
}
