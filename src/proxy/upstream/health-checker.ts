// Active health checking of a cluster's hosts (Envoy's health_checks): HTTP (GET path, expected
// statuses, default 200) or TCP (connect, optional send/receive bytes), every interval with a
// timeout. A new host is failed_active_hc until its first check passes; after that it takes
// unhealthy_threshold failures in a row to fail and healthy_threshold passes to recover.

import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { ConnectionOptions } from "node:tls";
import type { HealthCheck } from "../config-types.ts";
import { parseDurationMs } from "../duration.ts";
import type { Host } from "./endpoints.ts";

interface HostState {
  checked: boolean;
  passes: number;
  failures: number;
}

export interface CheckedCluster {
  readonly name: string;
  readonly hosts: readonly Host[];
  readonly tls: ConnectionOptions | undefined;
  refreshHealth(): void;
  stat(suffix: string): { inc(): void };
}

export function validateHealthChecks(checks: readonly HealthCheck[], what: string): void {
  checks.forEach((c, i) => {
    const p = `${what}.health_checks[${i}]`;
    if (!c.timeout) throw new Error(`${p}.timeout: required`);
    if (!c.interval) throw new Error(`${p}.interval: required`);
    if (!c.http_health_check && !c.tcp_health_check) {
      throw new Error(`${p}: http_health_check or tcp_health_check is required`);
    }
    if (c.http_health_check && !c.http_health_check.path) {
      throw new Error(`${p}.http_health_check.path: required`);
    }
  });
}

export class HealthChecker {
  private readonly check: HealthCheck;
  private readonly cluster: CheckedCluster;
  private readonly states = new Map<string, HostState>();
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(check: HealthCheck, cluster: CheckedCluster) {
    this.check = check;
    this.cluster = cluster;
    this.timeoutMs = parseDurationMs(check.timeout, 1000);
  }

  /** Marks hosts never checked as failed (Envoy's initial state) and checks them now. */
  onHosts(): Promise<void> {
    const fresh = this.cluster.hosts.filter((h) => !this.states.has(h.key));
    for (const h of fresh) {
      h.failedActiveHc = true;
      this.states.set(h.key, { checked: false, passes: 0, failures: 0 });
    }
    const keep = new Set(this.cluster.hosts.map((h) => h.key));
    for (const k of this.states.keys()) if (!keep.has(k)) this.states.delete(k);
    if (fresh.length) this.cluster.refreshHealth();
    return this.round(fresh);
  }

  start(): Promise<void> {
    const interval = Math.max(parseDurationMs(this.check.interval, 10_000), 10);
    this.timer = setInterval(() => void this.round(this.cluster.hosts), interval);
    this.timer.unref();
    return this.onHosts();
  }

  private async round(hosts: readonly Host[]): Promise<void> {
    if (!hosts.length) return;
    const results = await Promise.all(hosts.map((h) => this.probe(h)));
    if (this.stopped) return;
    let changed = false;
    hosts.forEach((h, i) => {
      const st = this.states.get(h.key);
      if (st && this.record(h, st, results[i])) changed = true;
    });
    if (changed) this.cluster.refreshHealth();
  }

  /** Applies one result; true when the host's flag flipped. */
  private record(h: Host, st: HostState, ok: boolean): boolean {
    this.cluster.stat("health_check.attempt").inc();
    this.cluster.stat(ok ? "health_check.success" : "health_check.failure").inc();
    const was = h.failedActiveHc;
    if (ok) {
      st.failures = 0;
      st.passes++;
      if (!st.checked || st.passes >= (this.check.healthy_threshold ?? 1)) h.failedActiveHc = false;
    } else {
      st.passes = 0;
      st.failures++;
      if (!st.checked || st.failures >= (this.check.unhealthy_threshold ?? 1)) {
        h.failedActiveHc = true;
      }
    }
    st.checked = true;
    return was !== h.failedActiveHc;
  }

  private probe(h: Host): Promise<boolean> {
    return this.check.http_health_check ? this.httpProbe(h) : this.tcpProbe(h);
  }

  private httpProbe(h: Host): Promise<boolean> {
    const hc = this.check.http_health_check!;
    const ranges = hc.expected_statuses?.length
      ? hc.expected_statuses.map((r) => [Number(r.start), Number(r.end)])
      : [[200, 201]];
    const tls = this.cluster.tls;
    return new Promise((resolve) => {
      const req = (tls ? https : http).request(
        {
          host: h.address,
          port: h.port,
          path: hc.path,
          method: "GET",
          agent: false,
          headers: { host: hc.host || this.cluster.name, "user-agent": "Envoy/HC" },
          ...(tls ?? {}),
        },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          resolve(ranges.some(([a, b]) => code >= a && code < b));
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy());
      req.on("error", () => resolve(false));
      req.end();
    });
  }

  private tcpProbe(h: Host): Promise<boolean> {
    const tc = this.check.tcp_health_check!;
    const expect = Buffer.from((tc.receive ?? []).map((r) => r.text ?? "").join(""), "hex");
    return new Promise((resolve) => {
      const sock = net.connect({ host: h.address, port: h.port });
      let got = Buffer.alloc(0);
      const done = (ok: boolean) => {
        sock.destroy();
        resolve(ok);
      };
      sock.setTimeout(this.timeoutMs, () => done(false));
      sock.on("error", () => done(false));
      sock.on("connect", () => {
        if (tc.send?.text) sock.write(Buffer.from(tc.send.text, "hex"));
        if (!expect.length) done(true);
      });
      sock.on("data", (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.includes(expect)) done(true);
      });
      sock.on("end", () => done(false));
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }
}
