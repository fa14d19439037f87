// The report of `mast apply --dry-run`: per proxy, the xDS resources the change would add,
// remove or change, then a unified diff of each changed resource's JSON. Proxies that would
// change the same way (every sidecar seeing one new route) share one report.

import type { ProxyChanges } from "../runtime/live.ts";
import type { ResourceChange } from "../xds/diff.ts";
import { unifiedDiff } from "./unified-diff.ts";

const MARK = { added: "+", removed: "-", changed: "~" } as const;

function report(changes: readonly ResourceChange[]): string[] {
  const lines: string[] = [];
  const width = Math.max(...changes.map((c) => c.type.length));
  for (const c of changes) lines.push(`  ${MARK[c.change]} ${c.type.padEnd(width)}  ${c.name}`);
  const json = (v: unknown) => JSON.stringify(v, null, 2);
  for (const c of changes.filter((x) => x.change === "changed")) {
    lines.push(`--- ${c.type} ${c.name}`, `+++ ${c.type} ${c.name}`);
    lines.push(...unifiedDiff(json(c.before), json(c.after)));
  }
  return lines;
}

export function formatProxyChanges(all: readonly ProxyChanges[]): string {
  if (all.length === 0)
    return "No proxies in this mesh (run `mast up` first): no xDS to compare.\n";
  const changed = all.filter((p) => p.changes.length > 0);
  const groups = new Map<string, string[]>();
  for (const { proxy, changes } of changed) {
    const text = report(changes).join("\n");
    groups.set(text, [...(groups.get(text) ?? []), `${proxy.name} (${proxy.pod})`]);
  }
  const lines = [`Proxies that would change: ${changed.length} of ${all.length}`];
  for (const [text, proxies] of groups) lines.push("", `${proxies.join(",\n")}:`, text);
  const same = all.filter((p) => p.changes.length === 0).map((p) => p.proxy.name);
  if (same.length > 0) lines.push("", `Unchanged: ${same.join(", ")}`);
  return `${lines.join("\n")}\n`;
}
