// Envoy-style stats: counters and gauges with Envoy's flat names (`cluster.<name>.upstream_rq_total`)
// and the tags Envoy's tag extraction gives them in Prometheus (`envoy_cluster_upstream_rq_total
// {envoy_cluster_name="<name>"}`). Kept by hand: the hot path only increments a number.

export type StatKind = "counter" | "gauge";

/** One stat: a flat Envoy name, a Prometheus name and labels, and its value. */
export class Stat {
  readonly kind: StatKind;
  readonly name: string;
  readonly promName: string;
  readonly labels: Readonly<Record<string, string>>;
  value = 0;

  constructor(kind: StatKind, name: string, promName: string, labels: Record<string, string>) {
    this.kind = kind;
    this.name = name;
    this.promName = promName;
    this.labels = labels;
  }

  inc(by = 1): void {
    this.value += by;
  }

  dec(by = 1): void {
    this.value -= by;
  }

  set(v: number): void {
    this.value = v;
  }
}

/**
 * A scope such as `cluster.<name>.` whose tag is extracted in Prometheus output, as Envoy's default
 * tag specifiers do (envoy_cluster_name, envoy_http_conn_manager_prefix, envoy_listener_address…).
 */
export interface StatScope {
  /** Prefix of the flat name, e.g. "cluster". */
  readonly prefix: string;
  /** The tag value placed after the prefix in the flat name, and its Prometheus label. */
  readonly tag?: { readonly label: string; readonly value: string };
}

/** A tag Envoy extracts from inside the name: `upstream_rq_200` → `upstream_rq{envoy_response_code="200"}`. */
export interface TaggedName {
  readonly promSuffix: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Envoy's response-code tags for `<prefix>_<code>` and `<prefix>_<class>xx` stats. */
export function responseCodeNames(
  prefix: string,
  code: number,
): [string, TaggedName, string, TaggedName] {
  const cls = String(Math.floor(code / 100));
  return [
    `${prefix}_${code}`,
    { promSuffix: prefix, labels: { envoy_response_code: String(code) } },
    `${prefix}_${cls}xx`,
    { promSuffix: `${prefix}_xx`, labels: { envoy_response_code_class: cls } },
  ];
}

export class StatsStore {
  private readonly stats = new Map<string, Stat>();

  private get(kind: StatKind, scope: StatScope, suffix: string, tagged?: TaggedName): Stat {
    const flat = scope.tag
      ? `${scope.prefix}.${scope.tag.value}.${suffix}`
      : `${scope.prefix ? `${scope.prefix}.` : ""}${suffix}`;
    let s = this.stats.get(flat);
    if (!s) {
      const labels: Record<string, string> = {};
      if (scope.tag) labels[scope.tag.label] = scope.tag.value;
      Object.assign(labels, tagged?.labels);
      const base = tagged?.promSuffix ?? suffix;
      const prom = `envoy_${[scope.prefix, base].filter(Boolean).join("_")}`.replace(
        /[^a-zA-Z0-9_]/g,
        "_",
      );
      s = new Stat(kind, flat, prom, labels);
      this.stats.set(flat, s);
    } else if (s.kind !== kind) {
      throw new Error(`stat ${flat} is a ${s.kind}, not a ${kind}`);
    }
    return s;
  }

  counter(scope: StatScope, suffix: string, tagged?: TaggedName): Stat {
    return this.get("counter", scope, suffix, tagged);
  }

  gauge(scope: StatScope, suffix: string, tagged?: TaggedName): Stat {
    return this.get("gauge", scope, suffix, tagged);
  }

  /** Envoy's /stats text: `name: value`, sorted by name. */
  text(filter?: RegExp): string {
    const names = [...this.stats.keys()].filter((n) => !filter || filter.test(n)).sort();
    return names.map((n) => `${n}: ${this.stats.get(n)!.value}\n`).join("");
  }

  /** Prometheus text exposition (version 0.0.4), one TYPE line per metric family. */
  prometheus(): string {
    const families = new Map<string, Stat[]>();
    for (const s of this.stats.values()) {
      const list = families.get(s.promName);
      if (list) list.push(s);
      else families.set(s.promName, [s]);
    }
    let out = "";
    for (const name of [...families.keys()].sort()) {
      const list = families.get(name)!;
      out += `# TYPE ${name} ${list[0].kind}\n`;
      for (const s of list) out += `${name}${labelText(s.labels)} ${s.value}\n`;
    }
    return out;
  }

  all(): Stat[] {
    return [...this.stats.values()];
  }
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `{${keys.map((k) => `${k}="${esc(labels[k])}"`).join(",")}}`;
}

export const clusterScope = (name: string): StatScope => ({
  prefix: "cluster",
  tag: { label: "envoy_cluster_name", value: name },
});
export const httpScope = (statPrefix: string): StatScope => ({
  prefix: "http",
  tag: { label: "envoy_http_conn_manager_prefix", value: statPrefix },
});
export const listenerScope = (address: string): StatScope => ({
  prefix: "listener",
  tag: { label: "envoy_listener_address", value: address },
});
export const tcpScope = (statPrefix: string): StatScope => ({
  prefix: "tcp",
  tag: { label: "envoy_tcp_prefix", value: statPrefix },
});
export const serverScope: StatScope = { prefix: "server" };

/**
 * The stats of one scope, each looked up once: the request path counts without building flat
 * names or response-code tags again (a StatsStore never drops a stat, so the cache stays valid).
 */
export class ScopedStats {
  private readonly store: StatsStore;
  private readonly scope: StatScope;
  private readonly byName = new Map<string, Stat>();
  private readonly byCode = new Map<string, [Stat, Stat]>();

  constructor(store: StatsStore, scope: StatScope) {
    this.store = store;
    this.scope = scope;
  }

  counter(suffix: string): Stat {
    return this.lookup("counter", suffix);
  }

  gauge(suffix: string): Stat {
    return this.lookup("gauge", suffix);
  }

  /** Counts `<prefix>_<code>` and `<prefix>_<class>xx`. */
  countCode(prefix: string, code: number): void {
    const key = `${prefix}:${code}`;
    let pair = this.byCode.get(key);
    if (!pair) {
      const [name, tag, cls, clsTag] = responseCodeNames(prefix, code);
      pair = [
        this.store.counter(this.scope, name, tag),
        this.store.counter(this.scope, cls, clsTag),
      ];
      this.byCode.set(key, pair);
    }
    pair[0].inc();
    pair[1].inc();
  }

  private lookup(kind: StatKind, suffix: string): Stat {
    let s = this.byName.get(suffix);
    if (!s || s.kind !== kind) {
      s = this.store[kind](this.scope, suffix);
      this.byName.set(suffix, s);
    }
    return s;
  }
}
