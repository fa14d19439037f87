// Envoy's priority set: hosts grouped by priority, and per priority by locality. Each priority's
// health (healthy share × overprovisioning factor, capped at 100%) decides how much traffic it
// takes, so a priority spills to the next as it loses hosts; a priority whose healthy share is
// under the panic threshold balances over all its hosts. With locality_weighted_lb_config a
// locality is chosen first, by its weight scaled by its own health.

import { type Host, isHealthy } from "./endpoints.ts";

interface Locality {
  /** locality weight × min(1, overprovisioning × healthy share). */
  readonly weight: number;
  readonly hosts: Host[];
}

interface Level {
  readonly priority: number;
  readonly all: Host[];
  readonly healthy: Host[];
  readonly panic: boolean;
  readonly localities: Locality[];
}

export interface PrioritySetOptions {
  readonly overprovisioning: number;
  /** Percent; 0 turns panic mode off (Istio does so when outlier detection is on). */
  readonly panicThreshold: number;
  readonly localityWeighted: boolean;
}

export class PrioritySet {
  private readonly levels: Level[];
  /** Cumulative percent of traffic up to and including each level. */
  private readonly cumulative: number[];
  healthyCount = 0;

  constructor(hosts: readonly Host[], opts: PrioritySetOptions) {
    const byPriority = new Map<number, Host[]>();
    for (const h of hosts) {
      const l = byPriority.get(h.priority);
      if (l) l.push(h);
      else byPriority.set(h.priority, [h]);
    }
    const priorities = [...byPriority.keys()].sort((a, b) => a - b);
    const health: number[] = [];
    this.levels = priorities.map((p) => {
      const all = byPriority.get(p)!;
      const healthy = all.filter(isHealthy);
      this.healthyCount += healthy.length;
      health.push(Math.min(100, (opts.overprovisioning * 100 * healthy.length) / all.length));
      const panic = (100 * healthy.length) / all.length < opts.panicThreshold;
      return {
        priority: p,
        all,
        healthy,
        panic,
        localities: opts.localityWeighted ? localities(all, opts.overprovisioning) : [],
      };
    });
    this.cumulative = priorityLoad(
      health,
      this.levels.map((l) => l.all.length),
      opts,
    );
  }

  /**
   * The hosts to balance over for one request. `r` in [0, 1) picks the priority (hash balancers
   * pass their hash, so one key stays in one priority); `rl` picks the locality, when weighted.
   * Hash balancers pass no `rl`: as in Envoy, their table spans the priority's localities.
   */
  choose(r: number, rl?: number): Host[] {
    const pct = r * 100;
    let i = this.cumulative.findIndex((c) => pct < c);
    if (i < 0) i = this.levels.length - 1;
    const level = this.levels[i];
    if (!level) return [];
    if (level.panic) return level.all;
    if (rl !== undefined && level.localities.length) {
      const total = level.localities.reduce((a, l) => a + l.weight, 0);
      if (total > 0) {
        let x = rl * total;
        for (const l of level.localities) {
          x -= l.weight;
          if (x < 0) return l.hosts;
        }
      }
    }
    return level.healthy;
  }
}

function localities(all: Host[], overprovisioning: number): Locality[] {
  const groups = new Map<string, Host[]>();
  for (const h of all) {
    const g = groups.get(h.locality);
    if (g) g.push(h);
    else groups.set(h.locality, [h]);
  }
  return [...groups.values()].flatMap((hosts) => {
    const healthy = hosts.filter(isHealthy);
    const availability = Math.min(1, (overprovisioning * healthy.length) / hosts.length);
    const weight = hosts[0].localityWeight * availability;
    return healthy.length && weight > 0 ? [{ weight, hosts: healthy }] : [];
  });
}

/**
 * Envoy's priority load: each level takes its health share of what is left, scaled so the
 * total health counts as 100% when it is less. Below the panic threshold overall, traffic is
 * spread by host count instead and every level is in panic.
 */
function priorityLoad(health: number[], sizes: number[], opts: PrioritySetOptions): number[] {
  const total = Math.min(
    100,
    health.reduce((a, b) => a + b, 0),
  );
  const loads = new Array<number>(health.length).fill(0);
  if (total === 0) {
    if (loads.length) loads[0] = 100;
  } else if (total < opts.panicThreshold) {
    const n = sizes.reduce((a, b) => a + b, 0);
    sizes.forEach((s, i) => {
      loads[i] = (100 * s) / n;
    });
  } else {
    let left = 100;
    health.forEach((h, i) => {
      loads[i] = Math.min(left, (h * 100) / total);
      left -= loads[i];
    });
  }
  let acc = 0;
  return loads.map((l) => {
    acc += l;
    return acc;
  });
}
