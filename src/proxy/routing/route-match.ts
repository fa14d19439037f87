// Route matching as Envoy does it: path specifier (prefix, path, safe_regex, path_separated_prefix)
// with case sensitivity, then every header and query-parameter matcher. Compiled once per route.

import type { HeaderMatcher, QueryParameterMatcher, RouteMatch } from "../config-types.ts";
import type { HeaderMap } from "../http/headers.ts";
import { compileRegex, compileStringMatcher, type Matcher } from "./string-matcher.ts";

/** What a route match looks at. `path` is the path without query; `query` the raw query string. */
export interface RequestView {
  readonly headers: HeaderMap;
  readonly path: string;
  readonly query: string;
}

export type RoutePredicate = (req: RequestView) => boolean;

function compilePath(m: RouteMatch, path: string): RoutePredicate {
  const cs = m.case_sensitive !== false;
  const low = (s: string) => (cs ? s : s.toLowerCase());
  if (m.prefix !== undefined) {
    const p = low(m.prefix);
    return (r) => low(r.path).startsWith(p);
  }
  if (m.path !== undefined) {
    const p = low(m.path);
    return (r) => low(r.path) === p;
  }
  if (m.safe_regex?.regex !== undefined) {
    const re = compileRegex(m.safe_regex.regex, `${path}.safe_regex.regex`);
    return (r) => re.matches(r.path);
  }
  if (m.path_separated_prefix !== undefined) {
    const p = low(m.path_separated_prefix);
    return (r) => {
      const v = low(r.path);
      return v === p || (v.startsWith(p) && v[p.length] === "/");
    };
  }
  if (m.connect_matcher) return () => false; // CONNECT is not proxied (yet): never matches
  throw new Error(`${path}: a route match needs prefix, path, safe_regex or path_separated_prefix`);
}

/** A header matcher over any header source (RBAC reads pseudo-headers through the same code). */
export function compileHeaderMatcher(
  h: HeaderMatcher,
  path: string,
): (header: (name: string) => string | undefined) => boolean {
  const name = (h.name ?? "").toLowerCase();
  if (!name) throw new Error(`${path}.name: a header matcher needs a name`);
  let test: Matcher | undefined;
  if (h.exact_match !== undefined) test = (v) => v === h.exact_match;
  else if (h.safe_regex_match?.regex !== undefined) {
    const re = compileRegex(h.safe_regex_match.regex, `${path}.safe_regex_match.regex`);
    test = (v) => re.matches(v);
  } else if (h.range_match) {
    const { start = 0, end = 0 } = h.range_match;
    test = (v) => /^-?\d+$/.test(v) && Number(v) >= start && Number(v) < end;
  } else if (h.prefix_match !== undefined) test = (v) => v.startsWith(h.prefix_match!);
  else if (h.suffix_match !== undefined) test = (v) => v.endsWith(h.suffix_match!);
  else if (h.contains_match !== undefined) test = (v) => v.includes(h.contains_match!);
  else if (h.string_match) test = compileStringMatcher(h.string_match, `${path}.string_match`);
  const present = h.present_match;
  const invert = h.invert_match === true;
  return (header) => {
    let value = header(name);
    if (value === undefined && h.treat_missing_header_as_empty) value = "";
    let ok: boolean;
    if (test) ok = value !== undefined && test(value);
    else if (present !== undefined) ok = (value !== undefined) === present;
    else ok = value !== undefined;
    return invert ? !ok : ok;
  };
}

export function compileHeader(h: HeaderMatcher, path: string): RoutePredicate {
  const m = compileHeaderMatcher(h, path);
  return (r) => m((n) => r.headers.joined(n));
}

export function parseQuery(query: string): Map<string, string> {
  const m = new Map<string, string>();
  if (!query) return m;
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? "" : part.slice(eq + 1);
    let dk = k;
    let dv = v;
    try {
      dk = decodeURIComponent(k.replace(/\+/g, " "));
      dv = decodeURIComponent(v.replace(/\+/g, " "));
    } catch {
      // keep the raw text when it is not valid percent-encoding
    }
    if (!m.has(dk)) m.set(dk, dv);
  }
  return m;
}

function compileQuery(
  q: QueryParameterMatcher,
  path: string,
): (params: Map<string, string>) => boolean {
  const name = q.name ?? "";
  if (q.string_match) {
    const test = compileStringMatcher(q.string_match, `${path}.string_match`);
    return (p) => p.has(name) && test(p.get(name)!);
  }
  return (p) => p.has(name) === (q.present_match ?? true);
}

export function compileRouteMatch(m: RouteMatch, path: string): RoutePredicate {
  const pathTest = compilePath(m, path);
  const headers = (m.headers ?? []).map((h, i) => compileHeader(h, `${path}.headers[${i}]`));
  if (m.grpc) {
    headers.push((r) => (r.headers.get("content-type") ?? "").startsWith("application/grpc"));
  }
  const queries = (m.query_parameters ?? []).map((q, i) =>
    compileQuery(q, `${path}.query_parameters[${i}]`),
  );
  return (r) => {
    if (!pathTest(r)) return false;
    for (const h of headers) if (!h(r)) return false;
    if (queries.length) {
      const params = parseQuery(r.query);
      for (const q of queries) if (!q(params)) return false;
    }
    return true;
  };
}
