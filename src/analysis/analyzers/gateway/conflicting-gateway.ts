// gateway.ConflictingGatewayAnalyzer: two Gateways whose selectors pick the same workload must
// not bind the same host on the same port; a selector that no Gateway shares and that selects
// no common pod is a missing reference.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer, Context } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import {
  fullName,
  getOrInit,
  labels,
  num,
  type Obj,
  obj,
  objs,
  str,
  strs,
} from "../../util/fields.ts";
import { type Labels, selectorMatches, selectorString } from "../../util/selectors.ts";
import { selectorPath } from "./selector-path.ts";

/** host → bind address, for one Gateway's servers on one port. */
type HostsBind = Map<string, string>;

export const conflictingGatewayAnalyzer: Analyzer = {
  name: "gateway.ConflictingGatewayAnalyzer",
  description: "Checks a gateway's selector, port number and hosts",
  inputs: [K.Gateway, K.Pod],
  analyze(ctx) {
    // `selector~port` → gateway full name → hosts and binds of its server on that port
    const byKey = new Map<string, Map<string, HostsBind>>();
    for (const r of ctx.snapshot.list(K.Gateway)) {
      const sel = selectorString(labels(r.spec.selector));
      for (const server of objs(r.spec.servers)) {
        const key = `${sel}~${portOf(server)}`;
        const m = getOrInit(byKey, key, () => new Map());
        const hb: HostsBind = new Map();
        for (const h of strs(server.hosts)) hb.set(h, str(server.bind));
        m.set(fullName(r), hb);
      }
    }
    for (const r of ctx.snapshot.list(K.Gateway)) analyzeGateway(ctx, r, byKey);
  },
};

function analyzeGateway(
  ctx: Context,
  r: Resource,
  byKey: Map<string, Map<string, HostsBind>>,
): void {
  const name = fullName(r);
  const selector = labels(r.spec.selector);
  const sel = selectorString(selector);
  const same: [string, Map<string, HostsBind>][] = [];
  for (const [key, gateways] of byKey) {
    const otherSel = key.slice(0, key.lastIndexOf("~"));
    let matched = otherSel === sel;
    if (!matched && (otherSel.includes(sel) || sel.includes(otherSel))) {
      // Overlapping selectors conflict only if some pod carries both.
      const other = parseSelector(otherSel);
      matched = ctx.snapshot
        .list(K.Pod)
        .some(
          (p) =>
            selectorMatches(selector, p.metadata.labels) &&
            selectorMatches(other, p.metadata.labels),
        );
    }
    if (matched) same.push([key, gateways]);
  }
  if (sel !== "" && same.length === 0) {
    ctx.reportAt(r, selectorPath(r), "ReferencedResourceNotFound", "selector", sel);
    return;
  }
  for (const server of objs(r.spec.servers)) {
    const port = String(portOf(server));
    const conflicts: string[] = [];
    for (const [key, gateways] of same) {
      if (key.slice(key.lastIndexOf("~") + 1) !== port) continue;
      for (const [other, known] of gateways) {
        if (other !== name && duplicates(strs(server.hosts), str(server.bind), known))
          conflicts.push(other);
      }
    }
    if (conflicts.length > 0) {
      conflicts.sort();
      ctx.report(
        r,
        "ConflictingGateways",
        conflicts.join(","),
        sel,
        port,
        strs(server.hosts).join(","),
      );
    }
  }
}

/** model.CheckDuplicates: a host already bound on the same address. */
function duplicates(hosts: readonly string[], bind: string, known: HostsBind): boolean {
  return hosts.some((h) => known.has(h) && known.get(h) === bind);
}

function parseSelector(s: string): Labels {
  const out: Record<string, string> = {};
  for (const pair of s.split(",")) {
    const kv = pair.split("=");
    if (kv.length === 2) out[kv[0]!] = kv[1]!;
  }
  return out;
}

function portOf(server: Obj): number {
  return num(obj(server.port).number) ?? 0;
}
