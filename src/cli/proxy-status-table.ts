// `mast proxy-status` as istioctl prints it: one row per connected proxy with the sync state of
// each xDS type (SYNCED, NOT SENT, STALE, NACKED; ECDS IGNORED when not subscribed), from the
// control plane's /debug/syncz; NACK details follow the table.

import { table } from "./tables.ts";

export interface SyncStatus {
  readonly proxyId: string;
  readonly istioVersion?: string;
  readonly types: readonly { typeUrl: string; state: string; error?: string }[];
}

const COLUMNS: readonly [string, string][] = [
  ["CDS", "envoy.config.cluster.v3.Cluster"],
  ["LDS", "envoy.config.listener.v3.Listener"],
  ["EDS", "envoy.config.endpoint.v3.ClusterLoadAssignment"],
  ["RDS", "envoy.config.route.v3.RouteConfiguration"],
  ["ECDS", "envoy.config.core.v3.TypedExtensionConfig"],
];

/** `sidecar~10.1.1.1~details-v1-abc.default~default.svc.cluster.local` → details-v1-abc.default */
export function proxyName(id: string): string {
  return id.split("~")[2] ?? id;
}

export function proxyStatusTable(statuses: readonly SyncStatus[], istiod: string): string {
  const nacks: string[] = [];
  const rows = [...statuses]
    .sort((a, b) => proxyName(a.proxyId).localeCompare(proxyName(b.proxyId)))
    .map((s) => {
      const name = proxyName(s.proxyId);
      const cells = COLUMNS.map(([col, type]) => {
        const t = s.types.find((x) => x.typeUrl.endsWith(`/${type}`));
        if (!t) return col === "ECDS" ? "IGNORED" : "NOT SENT";
        if (t.state === "NACKED") nacks.push(`${name} ${col}: ${t.error ?? ""}`);
        return t.state;
      });
      return [name, "Kubernetes", ...cells, istiod, s.istioVersion || "-"];
    });
  const out = table(["NAME", "CLUSTER", ...COLUMNS.map(([c]) => c), "ISTIOD", "VERSION"], rows);
  return nacks.length ? `${out}\nNACK details:\n${nacks.map((n) => `  ${n}\n`).join("")}` : out;
}
