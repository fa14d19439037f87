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

/** Istio's labels.Instance.String(): sorted `k=v` joined by commas. */
export function labelsString(l: Labels): string {
  return Object.keys(l)
    .sort()
    .map((k) => (l[k] === "" ? k : `${k}=${l[k]}`))
    .join(",");
}

/** klabels.SelectorFromSet(m).String(): sorted `k=v` joined by commas ("" for no selector). */
export function selectorString(selector: Labels): string {
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(",");
}
