// Host selection for a cluster's lb_policy among the hosts the priority set chose: ROUND_ROBIN
// (smooth weighted), LEAST_REQUEST (power of choice_count choices), RANDOM (weighted), RING_HASH
// and MAGLEV (hash-lb.ts, by the request's hash_policy hash).

import type { Cluster } from "../config-types.ts";
import { MaglevLb, RingHashLb } from "./hash-lb.ts";

export interface LbHost {
  readonly key: string;
  readonly weight: number;
  activeRequests: number;
}

export interface LoadBalancer {
  pick(hosts: readonly LbHost[], hash?: number): LbHost | undefined;
}

class RoundRobin implements LoadBalancer {
  private current = new Map<string, number>();
  pick(hosts: readonly LbHost[]): LbHost | undefined {
    if (hosts.length <= 1) return hosts[0];
    let total = 0;
    let best: LbHost | undefined;
    let bestScore = -Infinity;
    for (const h of hosts) {
      const w = Math.max(1, h.weight);
      total += w;
      const score = (this.current.get(h.key) ?? 0) + w;
      this.current.set(h.key, score);
      if (score > bestScore) {
        bestScore = score;
        best = h;
      }
    }
    if (best) this.current.set(best.key, bestScore - total);
    return best;
  }
}

function weightedRandom(hosts: readonly LbHost[], r: number): LbHost | undefined {
  let total = 0;
  for (const h of hosts) total += Math.max(1, h.weight);
  let x = r * total;
  for (const h of hosts) {
    x -= Math.max(1, h.weight);
    if (x < 0) return h;
  }
  return hosts[hosts.length - 1];
}

class Random implements LoadBalancer {
  pick(hosts: readonly LbHost[]): LbHost | undefined {
    return weightedRandom(hosts, Math.random());
  }
}

class LeastRequest implements LoadBalancer {
  private readonly choices: number;
  constructor(choices: number) {
    this.choices = choices;
  }
  pick(hosts: readonly LbHost[]): LbHost | undefined {
    if (hosts.length <= 1) return hosts[0];
    let best = hosts[Math.floor(Math.random() * hosts.length)];
    for (let i = 1; i < this.choices; i++) {
      const h = hosts[Math.floor(Math.random() * hosts.length)];
      if (h.activeRequests < best.activeRequests) best = h;
    }
    return best;
  }
}

const POLICIES = new Set(["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV"]);

export function newLoadBalancer(config: Cluster): LoadBalancer {
  const policy = config.lb_policy ?? "ROUND_ROBIN";
  switch (policy) {
    case "LEAST_REQUEST": {
      const n = config.least_request_lb_config?.choice_count ?? 2;
      if (n < 2) {
        throw new Error(`Cluster ${config.name}.least_request_lb_config.choice_count: must be ≥ 2`);
      }
      return new LeastRequest(n);
    }
    case "RANDOM":
      return new Random();
    case "RING_HASH":
      return new RingHashLb(config);
    case "MAGLEV":
      return new MaglevLb(config);
    default:
      // CLUSTER_PROVIDED (ORIGINAL_DST) picks its own host; round robin stands in until then
      if (!POLICIES.has(policy) && policy !== "CLUSTER_PROVIDED") {
        throw new Error(`Cluster ${config.name}.lb_policy: ${policy} is not supported`);
      }
      return new RoundRobin();
  }
}
