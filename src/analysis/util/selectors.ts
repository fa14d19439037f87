// Label selectors as Kubernetes evaluates them: a map selector matches when every pair is
// present; an empty selector matches everything.

import { labels as readLabels } from "./fields.ts";

export type Labels = Readonly<Record<string, string>>;

export function selectorMatches(selector: Labels, labels: Labels | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) {
    if (labels?.[k] !== v) return false;
  }
  return true;
}

/** `spec.selector.matchLabels` (workload selectors) or `spec.workloadSelector.labels`. */
export function matchLabels(selector: unknown): Labels {
  const s = selector as { matchLabels?: unknown } | undefined;
  return readLabels(s?.matchLabels);
}

/** klabels.SelectorFromSet(m).String(): sorted `k=v` joined by commas ("" for no selector). */
export function selectorString(selector: Labels): string {
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(",");
}

/**
 * metav1.LabelSelector semantics (matchLabels and matchExpressions with In, NotIn, Exists,
 * DoesNotExist); an absent selector matches everything, a malformed one nothing.
 */
export function labelSelectorMatches(selector: unknown, labels: Labels): boolean {
  if (selector === undefined || selector === null) return true;
  const s = selector as { matchLabels?: unknown; matchExpressions?: unknown };
  if (!selectorMatches(matchLabels(s), labels)) return false;
  const exprs = Array.isArray(s.matchExpressions) ? s.matchExpressions : [];
  return exprs.every((e: { key?: unknown; operator?: unknown; values?: unknown }) => {
    const key = typeof e?.key === "string" ? e.key : "";
    const values = Array.isArray(e?.values) ? e.values.map(String) : [];
    const has = Object.hasOwn(labels, key);
    switch (e?.operator) {
      case "In":
        return has && values.includes(labels[key]!);
      case "NotIn":
        return !has || !values.includes(labels[key]!);
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
      default:
        return false;
    }
  });
}
