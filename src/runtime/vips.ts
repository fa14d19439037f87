// Service addresses for transparent capture. Kubernetes gives every Service a clusterIP; the
// manifests `mast up` runs have none, so the runtime allocates them as Istio auto-allocates
// ServiceEntry addresses: from 240.240.0.0/16, by a hash of namespace/name, deterministically
// (the same manifests get the same addresses on every start).

import { createHash } from "node:crypto";
import type { Resource } from "../api/resource.ts";

const SIZE = 65_534;

function vip(n: number): string {
  const i = (n % SIZE) + 1; // 240.240.0.1 .. 240.240.255.254
  return `240.240.${i >> 8}.${i & 0xff}`;
}

/** Services with an allocated spec.clusterIP where they had none (headless ones are left alone). */
export function allocateServiceVips(resources: readonly Resource[]): Resource[] {
  const taken = new Set<string>();
  const services = resources
    .filter((r) => r.kind.id === "Service")
    .sort((a, b) =>
      `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace}/${b.metadata.name}`,
      ),
    );
  for (const s of services) {
    const ip = (s.spec as { clusterIP?: string } | undefined)?.clusterIP;
    if (ip) taken.add(ip);
  }
  const assigned = new Map<Resource, string>();
  for (const s of services) {
    if ((s.spec as { clusterIP?: string } | undefined)?.clusterIP) continue;
    const key = `${s.metadata.namespace ?? "default"}/${s.metadata.name}`;
    let n = createHash("sha256").update(key).digest().readUInt32BE(0);
    while (taken.has(vip(n))) n++;
    taken.add(vip(n));
    assigned.set(s, vip(n));
  }
  return resources.map((r) => {
    const ip = assigned.get(r);
    return ip ? { ...r, spec: { ...(r.spec as object), clusterIP: ip } } : r;
  });
}
