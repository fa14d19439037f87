// `mast pilot` assembled: a config store fed by a watched directory, debounced snapshots
// (PushContext) on change, the ADS server, and the monitoring endpoints.

import type { Diagnostic } from "../api/diagnostic.ts";
import type { MeshConfig } from "../api/mesh-config.ts";
import { DirSource } from "../config/dir-source.ts";
import { type ChangeEvent, ConfigStore } from "../config/store.ts";
import { describeChanges, endpointOnlyServices } from "../model/changes.ts";
import { PushContext } from "../model/push-context.ts";
import { DEFAULT_DEBOUNCE, type DebounceOptions, Debouncer } from "./debounce.ts";
import { MonitoringServer } from "./monitoring.ts";
import { DiscoveryServer } from "./server.ts";

export interface PilotOptions {
  /** One directory, or several (e.g. mesh config and cluster state) watched side by side. */
  readonly configDir?: string | readonly string[];
  /** `host:port`; port 0 for an ephemeral port. */
  readonly xdsAddress?: string;
  /** `host:port` or `:port`; undefined to run without monitoring. */
  readonly monitoringAddress?: string;
  readonly debounce?: DebounceOptions;
  readonly pushConcurrency?: number;
  readonly mesh?: MeshConfig;
  readonly store?: ConfigStore;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  readonly onProblems?: (problems: readonly Diagnostic[]) => void;
}

export interface PilotAddresses {
  readonly xdsPort: number;
  readonly monitoringPort?: number;
}

const REGISTRY_KINDS = new Set([
  "Service",
  "Endpoints",
  "Pod",
  "Node",
  "EndpointSlice.discovery.k8s.io",
  "ServiceEntry.networking.istio.io",
  "WorkloadEntry.networking.istio.io",
]);

export class Pilot {
  readonly store: ConfigStore;
  readonly server: DiscoveryServer;
  readonly #opts: PilotOptions;
  readonly #debouncer: Debouncer<readonly ChangeEvent[]>;
  readonly #sources: DirSource[] = [];
  #monitoring: MonitoringServer | undefined;
  #unsubscribe: (() => void) | undefined;
  /** Time of the last config change seen, for push latency. */
  lastChangeAt = 0;

  constructor(opts: PilotOptions = {}) {
    this.#opts = opts;
    this.store = opts.store ?? new ConfigStore();
    this.server = new DiscoveryServer(this.#build(), {
      pushConcurrency: opts.pushConcurrency,
      log: opts.log,
    });
    this.#debouncer = new Debouncer(opts.debounce ?? DEFAULT_DEBOUNCE, (batches) =>
      this.#apply(batches.flat()),
    );
  }

  #build(): PushContext {
    return PushContext.build(this.store, { mesh: this.#opts.mesh, version: this.store.revision });
  }

  async start(): Promise<PilotAddresses> {
    const dirs = this.#opts.configDir === undefined ? [] : [this.#opts.configDir].flat();
    for (const dir of dirs) {
      const source = new DirSource(dir, this.store, { onProblems: this.#opts.onProblems });
      this.#sources.push(source);
      const problems = source.start();
      if (problems.length) this.#opts.onProblems?.(problems);
    }
    this.server.update(this.#build(), {
      full: true,
      kinds: new Set(),
      hosts: new Set(),
      namespaces: new Set(),
      workloads: new Set(),
      registryChanged: true,
    });
    this.#unsubscribe = this.store.subscribe((events) => {
      this.lastChangeAt = Date.now();
      this.#debouncer.push(events);
    });
    const xdsPort = await this.server.listen(this.#opts.xdsAddress ?? "0.0.0.0:15010");
    let monitoringPort: number | undefined;
    if (this.#opts.monitoringAddress !== undefined) {
      this.#monitoring = new MonitoringServer(this);
      monitoringPort = await this.#monitoring.listen(this.#opts.monitoringAddress);
    }
    return { xdsPort, monitoringPort };
  }

  /** Applies pending changes now instead of waiting for the debounce. */
  flush(): void {
    this.#debouncer.flushNow();
  }

  #apply(events: readonly ChangeEvent[]): void {
    const prev = this.server.pushContext;
    const registryChanged = events.some((e) => REGISTRY_KINDS.has(e.resource.kind.id));
    const next = PushContext.rebuild(
      prev,
      this.store,
      registryChanged,
      this.store.revision,
      endpointOnlyServices(events),
    );
    const update = describeChanges(events, prev, next);
    const queued = this.server.update(next, update);
    this.#opts.log?.("push", { version: next.version, events: events.length, proxies: queued });
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#debouncer.stop();
    for (const s of this.#sources) s.stop();
    await this.#monitoring?.close();
    await this.server.close();
  }
}
