// Envoy's MetadataMatcher and ValueMatcher over dynamic metadata (filter name → struct), as the
// RBAC filter uses them to read what jwt_authn and other filters recorded for a request.

import type { StringMatcher } from "../config-types.ts";
import { compileStringMatcher } from "../routing/string-matcher.ts";

export type DynamicMetadata = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

export interface ValueMatcherConfig {
  null_match?: Record<string, never>;
  double_match?: { exact?: number; range?: { start?: number; end?: number } };
  string_match?: StringMatcher;
  bool_match?: boolean;
  present_match?: boolean;
  list_match?: { one_of?: ValueMatcherConfig };
  or_match?: { value_matchers?: ValueMatcherConfig[] };
}

export interface MetadataMatcherConfig {
  filter?: string;
  path?: { key?: string }[];
  value?: ValueMatcherConfig;
  invert?: boolean;
}

type ValueTest = (v: unknown) => boolean;

export function compileValueMatcher(m: ValueMatcherConfig, path: string): ValueTest {
  if (m.null_match) return (v) => v === null || v === undefined;
  if (m.double_match) {
    const d = m.double_match;
    if (d.exact !== undefined) return (v) => v === d.exact;
    const { start = -Infinity, end = Infinity } = d.range ?? {};
    return (v) => typeof v === "number" && v >= start && v < end;
  }
  if (m.string_match) {
    const t = compileStringMatcher(m.string_match, `${path}.string_match`);
    return (v) => typeof v === "string" && t(v);
  }
  if (m.bool_match !== undefined) return (v) => v === m.bool_match;
  if (m.present_match !== undefined) return (v) => (v !== undefined) === m.present_match;
  if (m.list_match) {
    if (!m.list_match.one_of) throw new Error(`${path}.list_match.one_of: required`);
    const one = compileValueMatcher(m.list_match.one_of, `${path}.list_match.one_of`);
    return (v) => Array.isArray(v) && v.some(one);
  }
  if (m.or_match) {
    const all = (m.or_match.value_matchers ?? []).map((x, i) =>
      compileValueMatcher(x, `${path}.or_match.value_matchers[${i}]`),
    );
    return (v) => all.some((t) => t(v));
  }
  throw new Error(`${path}: a value matcher needs one match pattern`);
}

export function compileMetadataMatcher(
  m: MetadataMatcherConfig,
  path: string,
): (md: DynamicMetadata) => boolean {
  if (!m.filter) throw new Error(`${path}.filter: required`);
  if (!m.value) throw new Error(`${path}.value: required`);
  const keys = (m.path ?? []).map((p, i) => {
    if (!p.key) throw new Error(`${path}.path[${i}].key: required`);
    return p.key;
  });
  const test = compileValueMatcher(m.value, `${path}.value`);
  const filter = m.filter;
  return (md) => {
    let v: unknown = md.get(filter);
    for (const k of keys) {
      v =
        v && typeof v === "object" && !Array.isArray(v)
          ? (v as Record<string, unknown>)[k]
          : undefined;
    }
    const ok = test(v);
    return m.invert ? !ok : ok;
  };
}
