// The data-plane proxy as one object: static resources from the bootstrap, dynamic ones applied by
// the xDS client through apply*(), which validate a whole update first and either install it or
// return the errors for a NACK (last good config stays). Owns admin and readiness servers.

import type { JsonObject } from "../envoy/index.ts";
import { StatsStore, serverScope } from "../telemetry/stats.ts";
import type {
  Bootstrap,
  Cluster,
  ClusterLoadAssignment,
  Listener,
  RouteConfiguration,
  Secret,
} from "./config-types.ts";
import type { ProxyDeps } from "./deps.ts";
import type { CompiledListener } from "./listener/compile-listener.ts";
import { ListenerManager } from "./listener/listener-manager.ts";
import { type ResourceKind, ResourceStore } from "./resources.ts";
import { RouteTable } from "./routing/route-table.ts";
import { SecretNotReady } from "./tls-context.ts";
import type { UpstreamCluster } from "./upstream/cluster.ts";
import { ClusterManager } from "./upstream/cluster-manager.ts";

export interface ProxyOptions {
  readonly bootstrap: Bootstrap;
  readonly drainTimeMs?: number;
  readonly accessLog?: (line: string) => void;
}

export interface ApplyResult {
  readonly errors: string[];
}

type Named = { name?: string; cluster_name?: string };

export class ProxyServer {
  readonly bootstrap: Bootstrap;
  readonly stats = new StatsStore();
  readonly resources = new ResourceStore();
  readonly clusters: ClusterManager;
  readonly listeners: ListenerManager;
  private readonly routes = new Map<string, RouteTable>();
  private readonly secrets = new Map<string, Secret>();
  readonly startTime = new Date();
  /** Set once static resources are up and the first xDS round (if any) has been applied. */
  initialized = false;
  private readonly deps: ProxyDeps;

  constructor(opts: ProxyOptions) {
    this.bootstrap = opts.bootstrap;
    this.clusters = new ClusterManager(this.stats, (n) => this.secrets.get(n));
    const log = opts.accessLog ?? ((line: string) => process.stdout.write(line));
    this.deps = {
      stats: this.stats,
      clusters: this.clusters,
      routeConfig: (n) => this.routes.get(n),
      secrets: (n) => this.secrets.get(n),
      accessLog: log,
      drainTimeMs: opts.drainTimeMs ?? 45_000,
    };
    this.listeners = new ListenerManager(this.deps);
    this.stats.gauge(serverScope, "state").set(2); // PRE_INITIALIZING
  }

  /** Installs the bootstrap's static resources; throws (with the field path) when one is bad. */
  async startStatic(): Promise<void> {
    const sr = this.bootstrap.static_resources ?? {};
    for (const s of sr.secrets ?? []) {
      this.secrets.set(s.name ?? "", s);
      this.resources.set("secret", s.name ?? "", s as JsonObject, "", true);
    }
    for (const c of sr.clusters ?? []) {
      await this.clusters.install(this.clusters.build(c));
      this.resources.set("cluster", c.name ?? "", c as JsonObject, "", true);
    }
    for (const l of sr.listeners ?? []) {
      await this.listeners.install(this.listeners.compile(l));
      this.resources.set("listener", l.name ?? "", l as JsonObject, "", true);
    }
  }

  markInitialized(): void {
    this.initialized = true;
    this.stats.gauge(serverScope, "state").set(0); // LIVE
  }

  private record(kind: ResourceKind, items: Named[], version: string): void {
    for (const r of items)
      this.resources.set(kind, r.name ?? r.cluster_name ?? "", r as JsonObject, version);
    this.resources.versions.set(kind, version);
  }

  private fail(
    kind: ResourceKind,
    name: string,
    r: unknown,
    version: string,
    details: string,
  ): string {
    this.resources.setError(kind, name, {
      failedConfiguration: r as JsonObject,
      lastUpdateAttempt: new Date().toISOString(),
      details,
      versionInfo: version,
    });
    return details;
  }

  private isStatic(kind: ResourceKind, name: string): boolean {
    return this.resources.get(kind, name)?.isStatic === true;
  }

  /** CDS. `removeMissing` for SotW (the response is the full set). */
  async applyClusters(
    list: Cluster[],
    version: string,
    removed: string[],
    removeMissing: boolean,
  ): Promise<ApplyResult> {
    const errors: string[] = [];
    const built: UpstreamCluster[] = [];
    for (const c of list) {
      if (!this.clusters.changed(c)) continue;
      try {
        built.push(this.clusters.build(c));
      } catch (e) {
        if (e instanceof SecretNotReady) continue; // warms until the secret arrives
        errors.push(this.fail("cluster", c.name ?? "", c, version, (e as Error).message));
      }
    }
    if (errors.length) return { errors };
    const keep = new Set(list.map((c) => c.name ?? ""));
    const gone = removeMissing
      ? this.resources
          .list("cluster")
          .filter((e) => !e.isStatic && !keep.has(e.name))
          .map((e) => e.name)
      : removed;
    for (const n of gone) {
      if (this.isStatic("cluster", n)) continue;
      this.clusters.remove(n);
      this.resources.delete("cluster", n);
    }
    await Promise.all(built.map((c) => this.clusters.install(c)));
    this.record("cluster", list, version);
    this.stats.counter({ prefix: "cluster_manager.cds" }, "update_success").inc();
    return { errors };
  }

  applyEndpoints(list: ClusterLoadAssignment[], version: string, removed: string[]): ApplyResult {
    const errors: string[] = [];
    for (const cla of list) {
      if (!cla.cluster_name)
        errors.push(
          this.fail(
            "endpoint",
            "",
            cla,
            version,
            "ClusterLoadAssignment: cluster_name is required",
          ),
        );
    }
    if (errors.length) return { errors };
    for (const cla of list) this.clusters.setAssignment(cla);
    for (const n of removed) {
      this.clusters.removeAssignment(n);
      this.resources.delete("endpoint", n);
    }
    for (const cla of list)
      this.resources.set("endpoint", cla.cluster_name ?? "", cla as JsonObject, version);
    return { errors };
  }

  applyRoutes(list: RouteConfiguration[], version: string, removed: string[]): ApplyResult {
    const errors: string[] = [];
    const tables: RouteTable[] = [];
    for (const rc of list) {
      try {
        tables.push(new RouteTable(rc));
      } catch (e) {
        errors.push(this.fail("route", rc.name ?? "", rc, version, (e as Error).message));
      }
    }
    if (errors.length) return { errors };
    for (const t of tables) this.routes.set(t.config.name ?? "", t);
    for (const n of removed) {
      this.routes.delete(n);
      this.resources.delete("route", n);
    }
    this.record("route", list, version);
    return { errors };
  }

  applySecrets(list: Secret[], version: string, removed: string[]): ApplyResult {
    for (const s of list) this.secrets.set(s.name ?? "", s);
    for (const n of removed) {
      this.secrets.delete(n);
      this.resources.delete("secret", n);
    }
    this.record("secret", list, version);
    for (const s of list) this.clusters.onSecretChanged(s.name ?? "");
    return { errors: [] };
  }

  async applyListeners(
    list: Listener[],
    version: string,
    removed: string[],
    removeMissing: boolean,
  ): Promise<ApplyResult> {
    const errors: string[] = [];
    const compiled: CompiledListener[] = [];
    for (const l of list) {
      if (!this.listeners.changed(l)) continue;
      try {
        compiled.push(this.listeners.compile(l));
      } catch (e) {
        if (e instanceof SecretNotReady) continue;
        errors.push(this.fail("listener", l.name ?? "", l, version, (e as Error).message));
      }
    }
    if (errors.length) return { errors };
    const keep = new Set(list.map((l) => l.name ?? ""));
    const gone = removeMissing
      ? this.resources
          .list("listener")
          .filter((e) => !e.isStatic && !keep.has(e.name))
          .map((e) => e.name)
      : removed;
    for (const n of gone) {
      if (this.isStatic("listener", n)) continue;
      this.listeners.remove(n);
      this.resources.delete("listener", n);
    }
    for (const c of compiled) {
      try {
        await this.listeners.install(c, version);
      } catch (e) {
        errors.push(
          this.fail(
            "listener",
            c.name,
            c.config,
            version,
            `Listener ${c.name}: cannot bind ${c.host}:${c.port}: ${(e as Error).message}`,
          ),
        );
      }
    }
    this.record(
      "listener",
      list.filter((l) => !errors.some((m) => m.startsWith(`Listener ${l.name}:`))),
      version,
    );
    return { errors };
  }

  /** Route config names the listeners use (what to ask RDS for). */
  rdsNames(): string[] {
    return [...new Set(this.listeners.all().flatMap((l) => l.compiled.rdsNames))];
  }

  secretNames(): string[] {
    const names = new Set<string>();
    const scan = (o: unknown) => {
      const s = JSON.stringify(o ?? {});
      for (const m of s.matchAll(
        /"(?:tls_certificate_sds_secret_configs|validation_context_sds_secret_config)":\[?\{"name":"([^"]+)"/g,
      ))
        names.add(m[1]);
    };
    for (const e of this.resources.list("cluster")) scan(e.resource);
    for (const e of this.resources.list("listener")) scan(e.resource);
    return [...names];
  }

  async stop(): Promise<void> {
    this.listeners.close();
    this.clusters.destroy();
  }
}
