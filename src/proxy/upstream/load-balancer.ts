// Host selection for a cluster's lb_policy: ROUND_ROBIN (smooth weighted), LEAST_REQUEST (power
// of two choices), RANDOM (weighted). RING_HASH and MAGLEV pick by the request hash when given.

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
  pick(hosts: readonly LbHost[]): LbHost | undefined {
    if (hosts.length <= 1) return hosts[0];
    const a = hosts[Math.floor(Math.random() * hosts.length)];
    const b = hosts[Math.floor(Math.random() * hosts.length)];
    return a.activeRequests <= b.activeRequests ? a : b;
  }
}

class Hashing implements LoadBalancer {
  pick(hosts: readonly LbHost[], hash?: number): LbHost | undefined {
    if (hash === undefined) return weightedRandom(hosts, Math.random());
    return weightedRandom(hosts, (hash >>> 0) / 0x100000000);
  }
}

export function newLoadBalancer(policy: string | undefined): LoadBalancer {
  switch (policy ?? "ROUND_ROBIN") {
    case "LEAST_REQUEST":
      return new LeastRequest();
    case "RANDOM":
      return new Random();
    case "RING_HASH":
    case "MAGLEV":
      return new Hashing();
    default:
      return new RoundRobin();
  }
}
