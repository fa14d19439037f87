// Istio's NameTable (istio.networking.nds.v1, sent by the control plane over xDS) turned into the
// names a workload may ask for, as istio-agent's DNS proxy does: every host by its FQDN, and
// Kubernetes services also as `name.ns` and `name.ns.svc`, plus the bare `name` in the
// workload's own namespace.

export interface NameInfo {
  readonly ips?: readonly string[];
  readonly registry?: string;
  readonly shortname?: string;
  readonly namespace?: string;
  readonly alt_hosts?: readonly string[];
}

export interface NameTable {
  readonly table?: Readonly<Record<string, NameInfo>>;
}

export class NameLookup {
  private readonly names = new Map<string, readonly string[]>();
  /**
   * `.<domain>`: unknown names under the cluster domain get NXDOMAIN at once instead of going
   * upstream, so a resolver walking its search list (`x.svc.cluster.local.cluster.local`) does
   * not wait on resolvers that cannot know them.
   */
  private readonly meshSuffix: string;

  /** `namespace` is the workload's; `domain` the cluster's DNS domain (cluster.local). */
  constructor(nt: NameTable, namespace: string, domain: string) {
    this.meshSuffix = `.${domain}`;
    for (const [host, info] of Object.entries(nt.table ?? {})) {
      const ips = info.ips ?? [];
      if (ips.length === 0) continue;
      const add = (n: string) => this.names.set(n.toLowerCase(), ips);
      add(host);
      for (const alt of info.alt_hosts ?? []) add(alt);
      if (info.registry === "Kubernetes" && info.shortname && info.namespace) {
        add(`${info.shortname}.${info.namespace}`);
        add(`${info.shortname}.${info.namespace}.svc`);
        if (info.namespace === namespace) add(info.shortname);
      }
    }
  }

  get size(): number {
    return this.names.size;
  }

  /** The addresses of a mesh name; `null` for a name in the mesh's domain that does not exist. */
  lookup(name: string): readonly string[] | null | undefined {
    const n = name.toLowerCase().replace(/\.$/, "");
    const ips = this.names.get(n);
    if (ips) return ips;
    return n.endsWith(this.meshSuffix) ? null : undefined;
  }
}
