// serviceentry.ConflictingServiceEntryProtocolAnalyzer: ServiceEntries visible in the same
// namespace must not give one host and port different protocols.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { fullName, getOrInit, num, objs, str, strs } from "../../util/fields.ts";
import { EXPORT_ALL, exportScopes } from "../../util/hosts.ts";

interface Entry {
  readonly protocol: string;
  readonly r: Resource;
}

export const conflictingServiceEntryProtocolAnalyzer: Analyzer = {
  name: "serviceentry.ConflictingServiceEntryProtocolAnalyzer",
  description:
    "Checks if multiple ServiceEntries define the same host and port with different protocols",
  inputs: [K.ServiceEntry],
  analyze(ctx) {
    const index = new Map<
      string,
      { scope: string; host: string; port: number; entries: Entry[] }
    >();
    for (const r of ctx.snapshot.list(K.ServiceEntry)) {
      const ns = r.metadata.namespace ?? "";
      for (const scope of exportScopes(ns, strs(r.spec.exportTo))) {
        for (const host of strs(r.spec.hosts)) {
          for (const p of objs(r.spec.ports)) {
            const port = num(p.number) ?? 0;
            const key = `${scope}\u0000${host}\u0000${port}`;
            const e = getOrInit(index, key, () => ({ scope, host, port, entries: [] as Entry[] }));
            e.entries.push({ protocol: str(p.protocol), r });
          }
        }
      }
    }
    const reported = new Set<Resource>();
    for (const { scope, host, port, entries: own } of index.values()) {
      const entries =
        scope === EXPORT_ALL
          ? own
          : [...own, ...(index.get(`${EXPORT_ALL}\u0000${host}\u0000${port}`)?.entries ?? [])];
      const protocols = [...new Set(entries.map((e) => e.protocol.toUpperCase()))].sort();
      if (protocols.length < 2) continue;
      const names = [...new Set(entries.map((e) => fullName(e.r)))].sort().join(", ");
      for (const e of entries) {
        if (reported.has(e.r)) continue;
        reported.add(e.r);
        ctx.report(e.r, "ConflictingServiceEntryProtocol", names, host, port, protocols.join(", "));
      }
    }
  },
};
