// RING_HASH and MAGLEV (Envoy's consistent-hash load balancers). Both build a table from the host
// list once per list (the priority set hands out the same array until membership or health
// changes) and map a request hash onto it; without a hash they pick at random, as Envoy does.

import type { Cluster } from "../config-types.ts";
import { hash32 } from "./hash.ts";
import type { LbHost, LoadBalancer } from "./load-balancer.ts";

/** Builds a table for one host list, keeping the last one (lists are immutable snapshots). */
abstract class TableLb<T> implements LoadBalancer {
  private hosts: readonly LbHost[] | undefined;
  private table: T | undefined;
  protected abstract build(hosts: readonly LbHost[]): T;
  protected abstract lookup(table: T, hash: number): LbHost;

  pick(hosts: readonly LbHost[], hash?: number): LbHost | undefined {
    if (hosts.length <= 1) return hosts[0];
    if (this.hosts !== hosts || !this.table) {
      this.table = this.build(hosts);
      this.hosts = hosts;
    }
    const h = hash ?? Math.floor(Math.random() * 0x100000000);
    return this.lookup(this.table, h >>> 0);
  }
}

interface Ring {
  readonly hashes: Uint32Array;
  readonly hosts: LbHost[];
}

export class RingHashLb extends TableLb<Ring> {
  private readonly minSize: number;
  private readonly maxSize: number;
  constructor(config: Cluster) {
    super();
    const c = config.ring_hash_lb_config;
    this.minSize = Number(c?.minimum_ring_size ?? 1024);
    this.maxSize = Number(c?.maximum_ring_size ?? 8 * 1024 * 1024);
    if (!(this.minSize > 0 && this.minSize <= this.maxSize)) {
      throw new Error(
        `Cluster ${config.name}.ring_hash_lb_config: minimum_ring_size must be 1..maximum_ring_size`,
      );
    }
  }

  /** Envoy's sizing: each host gets entries in proportion to its weight, the lightest at least one. */
  protected build(hosts: readonly LbHost[]): Ring {
    const total = hosts.reduce((a, h) => a + Math.max(1, h.weight), 0);
    const minNorm = Math.min(...hosts.map((h) => Math.max(1, h.weight) / total));
    const scale = Math.min(Math.ceil(minNorm * this.minSize) / minNorm, this.maxSize);
    const entries: { hash: number; host: LbHost }[] = [];
    let target = 0;
    let current = 0;
    for (const h of hosts) {
      target += (Math.max(1, h.weight) / total) * scale;
      const n = Math.floor(target) - current;
      current += n;
      for (let i = 0; i < n; i++) entries.push({ hash: hash32(`${h.key}_${i}`), host: h });
    }
    entries.sort((a, b) => a.hash - b.hash);
    return { hashes: Uint32Array.from(entries, (e) => e.hash), hosts: entries.map((e) => e.host) };
  }

  protected lookup(ring: Ring, hash: number): LbHost {
    let lo = 0;
    let hi = ring.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ring.hashes[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return ring.hosts[lo === ring.hashes.length ? 0 : lo];
  }
}

export class MaglevLb extends TableLb<LbHost[]> {
  private readonly size: number;
  constructor(config: Cluster) {
    super();
    this.size = Number(config.maglev_lb_config?.table_size ?? 65537);
    if (!isPrime(this.size) || this.size > 5_000_011) {
      throw new Error(
        `Cluster ${config.name}.maglev_lb_config.table_size: must be a prime ≤ 5000011`,
      );
    }
  }

  /** Maglev's permutation fill, weighted as Envoy does: a host takes a turn every max/weight rounds. */
  protected build(hosts: readonly LbHost[]): LbHost[] {
    const m = this.size;
    const max = Math.max(...hosts.map((h) => Math.max(1, h.weight)));
    const entries = hosts.map((h) => ({
      host: h,
      weight: Math.max(1, h.weight) / max,
      target: 0,
      offset: hash32(h.key) % m,
      skip: (hash32(h.key, 0x9e3779b9) % (m - 1)) + 1,
      next: 0,
    }));
    const table: (LbHost | undefined)[] = new Array(m);
    let filled = 0;
    for (let iteration = 1; filled < m; iteration++) {
      for (const e of entries) {
        if (filled >= m) break;
        if (iteration * e.weight < e.target) continue;
        e.target += 1;
        let c = (e.offset + e.skip * e.next) % m;
        while (table[c] !== undefined) {
          e.next++;
          c = (e.offset + e.skip * e.next) % m;
        }
        table[c] = e.host;
        e.next++;
        filled++;
      }
    }
    return table as LbHost[];
  }

  protected lookup(table: LbHost[], hash: number): LbHost {
    return table[hash % table.length];
  }
}

function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  for (let i = 2; i * i <= n; i++) if (n % i === 0) return false;
  return true;
}
