// All clusters (static and from CDS) and their endpoint assignments (from EDS). Validation happens
// in build(), which throws a precise error without touching live state, so xDS can NACK.

import type { StatsStore } from "../../telemetry/stats.ts";
import type { Cluster, ClusterLoadAssignment } from "../config-types.ts";
import type { SecretLookup } from "../tls-context.ts";
import { UpstreamCluster } from "./cluster.ts";

export class ClusterManager {
  private readonly clusters = new Map<string, UpstreamCluster>();
  private readonly assignments = new Map<string, ClusterLoadAssignment>();
  private readonly stats: StatsStore;
  private readonly secrets: SecretLookup;

  constructor(stats: StatsStore, secrets: SecretLookup) {
    this.stats = stats;
    this.secrets = secrets;
  }

  /** Builds (and so validates) a cluster without installing it. */
  build(config: Cluster): UpstreamCluster {
    return new UpstreamCluster(config, this.stats, this.secrets);
  }

  /** Installs a built cluster, replacing (and draining) one of the same name. */
  install(c: UpstreamCluster): Promise<void> {
    const old = this.clusters.get(c.name);
    if (c.edsName) {
      const cla = this.assignments.get(c.edsName);
      if (cla) c.applyAssignment(cla);
    }
    this.clusters.set(c.name, c);
    if (old && old !== c) void old.close();
    return c.start();
  }

  /** Whether the config differs from the installed cluster's (unchanged clusters keep their pools). */
  changed(config: Cluster): boolean {
    const cur = this.clusters.get(config.name ?? "");
    return !cur || JSON.stringify(cur.config) !== JSON.stringify(config);
  }

  remove(name: string): void {
    const c = this.clusters.get(name);
    this.clusters.delete(name);
    if (c) void c.close();
  }

  setAssignment(cla: ClusterLoadAssignment): void {
    const name = cla.cluster_name ?? "";
    this.assignments.set(name, cla);
    for (const c of this.clusters.values()) if (c.edsName === name) c.applyAssignment(cla);
  }

  removeAssignment(name: string): void {
    this.assignments.delete(name);
  }

  assignment(name: string): ClusterLoadAssignment | undefined {
    return this.assignments.get(name);
  }

  get(name: string): UpstreamCluster | undefined {
    return this.clusters.get(name);
  }

  all(): UpstreamCluster[] {
    return [...this.clusters.values()];
  }

  /** EDS names to subscribe to. */
  edsNames(): string[] {
    return [...new Set(this.all().flatMap((c) => (c.edsName ? [c.edsName] : [])))];
  }

  /** Rebuilds clusters whose TLS needs a secret that just changed. */
  onSecretChanged(name: string): void {
    for (const c of this.all()) {
      if (JSON.stringify(c.config.transport_socket ?? {}).includes(`"name":"${name}"`)) {
        try {
          void this.install(this.build(c.config));
        } catch {
          // stays as it was: a warming cluster keeps waiting for its secret
        }
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((c) => c.close()));
    this.clusters.clear();
  }

  destroy(): void {
    for (const c of this.all()) c.destroy();
    this.clusters.clear();
  }
}
