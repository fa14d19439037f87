// The prefix-overlap half of Istio's unreachable-rule analysis (genMatchHTTPRoutes and
// coveredValidation in istio pkg/config/validation): a URI-prefix match that an earlier, shorter
// prefix match with the same other conditions always takes first is reported as a warning.

import type { Report } from "../diagnostic.ts";
import type { StringMatch } from "../types/common.ts";
import type { HTTPMatchRequest, HTTPRoute } from "../types/virtual-service.ts";

interface PrefixMatch {
  readonly path: string;
  readonly route: string;
  readonly match: string;
  readonly prefix: string;
  readonly port: number;
  readonly method: string;
  readonly authority: string;
  readonly headers: Map<string, string>;
  readonly queryParams: Map<string, string>;
  readonly withoutHeaders: Map<string, string>;
}

function exactOrPrefix(m: StringMatch | undefined): string {
  if (m?.exact) return `exact:${m.exact}`;
  if (m?.prefix) return `prefix:${m.prefix}`;
  return "";
}

function toMap(ms: Record<string, StringMatch> | undefined): Map<string, string> {
  return new Map(Object.entries(ms ?? {}).map(([k, v]) => [k, exactOrPrefix(v)]));
}

function collect(
  m: HTTPMatchRequest,
  path: string,
  routeName: string,
  j: number,
): PrefixMatch | undefined {
  const prefix = m?.uri?.prefix;
  if (!prefix) return undefined;
  return {
    path,
    route: routeName,
    match: m.name ? `"${m.name}"` : `#${j}`,
    prefix,
    port: m.port ?? 0,
    method: exactOrPrefix(m.method) || "exact:GET",
    authority: exactOrPrefix(m.authority),
    headers: toMap(m.headers),
    queryParams: toMap(m.queryParams),
    withoutHeaders: toMap(m.withoutHeaders),
  };
}

function mapCovered(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const bv = b.get(k);
    if (bv === undefined) return false;
    if (v !== bv && !v.startsWith(bv)) return false;
  }
  return true;
}

/** Whether `a` (earlier) always wins over `b` (later); Istio's comparison, kept as is. */
function covered(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix)) return false;
  if (a.port !== b.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  return (
    mapCovered(a.headers, b.headers) &&
    mapCovered(a.queryParams, b.queryParams) &&
    mapCovered(a.withoutHeaders, b.withoutHeaders)
  );
}

/**
 * `skip(i, j)` tells which matches the duplicate analysis already reported (they are not
 * considered here, as in Istio).
 */
export function warnOverlappingPrefixes(
  routes: HTTPRoute[] | undefined,
  p: string,
  skip: (i: number, j: number) => boolean,
  report: Report,
): void {
  const found: PrefixMatch[] = [];
  routes?.forEach((route, i) => {
    const name = route?.name ? `"${route.name}"` : `#${i}`;
    route?.match?.forEach((m, j) => {
      if (skip(i, j)) return;
      const pm = collect(m, `${p}[${i}].match[${j}]`, name, j);
      if (pm) found.push(pm);
    });
  });
  for (let x = 0; x < found.length; x++) {
    for (let y = x + 1; y < found.length; y++) {
      const a = found[x];
      const b = found[y];
      if (a.prefix === b.prefix || !covered(a, b)) continue;
      report.warning(
        b.path,
        `virtualService rule ${b.route} match ${b.match} of prefix ${b.prefix} is not used (duplicate/overlapping match in rule ${a.match} of prefix ${a.prefix} on ${a.route})`,
      );
    }
  }
}
