// DestinationRules by host, chosen and merged for a client as Istio does (pilot/pkg/model/
// destination_rule.go): rules in the client's namespace first, then the service's namespace,
// then the root namespace; several rules for one host in one namespace merge (first traffic
// policy wins, subsets append, duplicate subset names are dropped).

import type { Resource } from "../api/resource.ts";
import type { DestinationRuleSpec, Subset } from "../api/types/index.ts";
import { compareHostSpecificity, hostMatches, resolveShortName } from "../registry/hosts.ts";
import { selectorMatches } from "../registry/workloads.ts";
import { type ExportTo, visibleTo } from "./visibility.ts";

export interface DestinationRuleConfig {
  readonly name: string;
  readonly namespace: string;
  readonly host: string;
  readonly exportTo: ExportTo;
  readonly spec: DestinationRuleSpec;
}

/** A merged rule as applied to one host for one client. */
export interface MergedDestinationRule {
  readonly host: string;
  readonly namespace: string;
  /** `namespace/name` of every rule merged in, in merge order. */
  readonly from: readonly string[];
  readonly spec: DestinationRuleSpec;
}

export class DestinationRuleIndex {
  /** Rules per namespace, in creation order (the order Istio merges them in). */
  readonly #byNamespace = new Map<string, DestinationRuleConfig[]>();
  readonly #rootNamespace: string;
  readonly #meshExportTo: ExportTo;

  /** Whether any rule selects workloads by label (then a lookup depends on the client's labels). */
  get selectsWorkloads(): boolean {
    for (const rules of this.#byNamespace.values())
      if (rules.some((r) => r.spec.workloadSelector?.matchLabels)) return true;
    return false;
  }

  constructor(
    rules: readonly Resource[],
    rootNamespace: string,
    suffix: string,
    meshExportTo: ExportTo,
  ) {
    this.#rootNamespace = rootNamespace;
    this.#meshExportTo = meshExportTo;
    for (const r of [...rules].sort(byCreation)) {
      const spec = r.spec as unknown as DestinationRuleSpec;
      const ns = r.metadata.namespace ?? "default";
      const cfg: DestinationRuleConfig = {
        name: r.metadata.name,
        namespace: ns,
        host: resolveShortName(spec.host ?? "", ns, suffix),
        exportTo: spec.exportTo ?? [],
        spec,
      };
      const list = this.#byNamespace.get(ns) ?? [];
      list.push(cfg);
      this.#byNamespace.set(ns, list);
    }
  }

  get all(): DestinationRuleConfig[] {
    return [...this.#byNamespace.values()].flat();
  }

  /** The rule a client in `clientNs` with `labels` uses for `host` defined in `serviceNs`. */
  lookup(
    clientNs: string,
    labels: Readonly<Record<string, string>>,
    host: string,
    serviceNs: string,
  ): MergedDestinationRule | undefined {
    const order = [clientNs, serviceNs, this.#rootNamespace];
    for (const ns of order) {
      const found = this.#inNamespace(ns, clientNs, labels, host);
      if (found) return found;
    }
    // Any other namespace that exports a rule for this host to the client.
    const others = [...this.#byNamespace.keys()].filter((n) => !order.includes(n)).sort();
    for (const ns of others) {
      const found = this.#inNamespace(ns, clientNs, labels, host);
      if (found) return found;
    }
    return undefined;
  }

  #inNamespace(
    ns: string,
    clientNs: string,
    labels: Readonly<Record<string, string>>,
    host: string,
  ): MergedDestinationRule | undefined {
    const candidates = (this.#byNamespace.get(ns) ?? []).filter((r) => {
      if (!hostMatches(r.host, host)) return false;
      const sel = r.spec.workloadSelector?.matchLabels;
      if (sel) return ns === clientNs && selectorMatches(sel, labels);
      return ns === clientNs || visibleTo(r.exportTo, ns, clientNs, this.#meshExportTo);
    });
    if (candidates.length === 0) return undefined;
    // The most specific host wins; rules with that same host merge. Selector rules go first.
    const best = [...new Set(candidates.map((c) => c.host))].sort(compareHostSpecificity)[0];
    const same = candidates
      .filter((c) => c.host === best)
      .sort((a, b) => Number(!a.spec.workloadSelector) - Number(!b.spec.workloadSelector));
    return mergeRules(same);
  }
}

export function mergeRules(rules: readonly DestinationRuleConfig[]): MergedDestinationRule {
  const [first, ...rest] = rules;
  const subsets: Subset[] = [...(first.spec.subsets ?? [])];
  let trafficPolicy = first.spec.trafficPolicy;
  for (const r of rest) {
    trafficPolicy ??= r.spec.trafficPolicy;
    for (const s of r.spec.subsets ?? []) {
      if (!subsets.some((x) => x.name === s.name)) subsets.push(s);
    }
  }
  return {
    host: first.host,
    namespace: first.namespace,
    from: rules.map((r) => `${r.namespace}/${r.name}`),
    spec: { ...first.spec, host: first.host, trafficPolicy, subsets },
  };
}

export function byCreation(a: Resource, b: Resource): number {
  return (
    (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") ||
    (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
    a.metadata.name.localeCompare(b.metadata.name)
  );
}
