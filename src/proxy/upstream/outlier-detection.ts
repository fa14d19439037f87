// Envoy's outlier detection for one cluster: consecutive 5xx, consecutive gateway failures
// (502/503/504) and, with split_external_local_origin_errors, consecutive local-origin failures
// (connect failure, timeout, reset). A host over a threshold is ejected (failed_outlier_check)
// for base_ejection_time × its ejection count (capped by max_ejection_time), unless
// max_ejection_percent of the cluster is out already; the interval timer brings hosts back.

import type { OutlierDetection } from "../config-types.ts";
import { parseDurationMs } from "../duration.ts";
import type { Host } from "./endpoints.ts";

/** What a request told about a host: an upstream status, or a failure of our own making. */
export type OutlierResult =
  | { readonly status: number }
  | { readonly local: "connect-failed" | "timeout" | "success" };

type Kind = "consecutive_5xx" | "consecutive_gateway_failure" | "consecutive_local_origin_failure";

interface Monitor {
  c5xx: number;
  gateway: number;
  local: number;
  /** Envoy's ejection time multiplier: up on each ejection, down after a healthy interval. */
  backoff: number;
  ejectedAt: number;
  unejectedAt: number;
}

export interface OutlierHost {
  readonly hosts: readonly Host[];
  refreshHealth(): void;
  stat(suffix: string): { inc(): void; set(v: number): void };
}

export class OutlierDetector {
  private readonly config: OutlierDetection;
  private readonly cluster: OutlierHost;
  private readonly monitors = new Map<string, Monitor>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly timer: NodeJS.Timeout;

  constructor(config: OutlierDetection, cluster: OutlierHost) {
    this.config = config;
    this.cluster = cluster;
    this.baseMs = parseDurationMs(config.base_ejection_time, 30_000);
    this.maxMs = Math.max(this.baseMs, parseDurationMs(config.max_ejection_time, 300_000));
    const interval = parseDurationMs(config.interval, 10_000);
    this.timer = setInterval(() => this.sweep(), Math.max(interval, 10));
    this.timer.unref();
  }

  private monitor(h: Host): Monitor {
    let m = this.monitors.get(h.key);
    if (!m) {
      m = { c5xx: 0, gateway: 0, local: 0, backoff: 0, ejectedAt: 0, unejectedAt: 0 };
      this.monitors.set(h.key, m);
    }
    return m;
  }

  report(h: Host, r: OutlierResult): void {
    const m = this.monitor(h);
    const c = this.config;
    if ("local" in r) {
      if (c.split_external_local_origin_errors) {
        if (r.local === "success") m.local = 0;
        else if (++m.local >= (c.consecutive_local_origin_failure ?? 5)) {
          m.local = 0;
          this.eject(h, m, "consecutive_local_origin_failure");
        }
        return;
      }
      // without the split, local failures count as the gateway errors Envoy maps them to
      if (r.local !== "success") this.report(h, { status: r.local === "timeout" ? 504 : 503 });
      return;
    }
    if (r.status < 500) {
      m.c5xx = 0;
      m.gateway = 0;
      return;
    }
    if (r.status === 502 || r.status === 503 || r.status === 504) {
      if (++m.gateway >= (c.consecutive_gateway_failure ?? 5)) {
        m.gateway = 0;
        this.eject(h, m, "consecutive_gateway_failure");
      }
    } else m.gateway = 0;
    if (++m.c5xx >= (c.consecutive_5xx ?? 5)) {
      m.c5xx = 0;
      this.eject(h, m, "consecutive_5xx");
    }
  }

  private enforcing(kind: Kind): number {
    const c = this.config;
    if (kind === "consecutive_5xx") return c.enforcing_consecutive_5xx ?? 100;
    if (kind === "consecutive_gateway_failure") return c.enforcing_consecutive_gateway_failure ?? 0;
    return c.enforcing_consecutive_local_origin_failure ?? 100;
  }

  private eject(h: Host, m: Monitor, kind: Kind): void {
    if (h.failedOutlierCheck) return;
    this.cluster.stat(`outlier_detection.ejections_detected_${kind}`).inc();
    const hosts = this.cluster.hosts;
    const active = hosts.filter((x) => x.failedOutlierCheck).length;
    if ((active * 100) / hosts.length >= (this.config.max_ejection_percent ?? 10)) {
      this.cluster.stat("outlier_detection.ejections_overflow").inc();
      return;
    }
    if (Math.random() * 100 >= this.enforcing(kind)) return;
    h.failedOutlierCheck = true;
    if (this.baseMs * m.backoff < this.maxMs) m.backoff++;
    m.ejectedAt = performance.now();
    this.cluster.stat("outlier_detection.ejections_enforced_total").inc();
    this.cluster.stat(`outlier_detection.ejections_enforced_${kind}`).inc();
    this.cluster.refreshHealth();
    this.setActive();
  }

  /** The interval timer: unejects hosts whose time is up, and eases the multiplier of the rest. */
  private sweep(): void {
    const now = performance.now();
    let changed = false;
    for (const h of this.cluster.hosts) {
      const m = this.monitors.get(h.key);
      if (!m) continue;
      if (!h.failedOutlierCheck) {
        if (m.backoff > 0 && now - m.unejectedAt >= this.baseMs) m.backoff--;
        continue;
      }
      if (now - m.ejectedAt >= Math.min(this.baseMs * m.backoff, this.maxMs)) {
        h.failedOutlierCheck = false;
        m.unejectedAt = now;
        changed = true;
      }
    }
    const keep = new Set(this.cluster.hosts.map((h) => h.key));
    for (const k of this.monitors.keys()) if (!keep.has(k)) this.monitors.delete(k);
    if (changed) {
      this.cluster.refreshHealth();
      this.setActive();
    }
  }

  private setActive(): void {
    const n = this.cluster.hosts.filter((h) => h.failedOutlierCheck).length;
    this.cluster.stat("outlier_detection.ejections_active").set(n);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
