// `mast proxy-config` tables from a proxy's admin output (/config_dump, /clusters?format=json),
// with istioctl's columns: clusters by direction|port|subset|fqdn, listeners per filter chain,
// routes per virtual host route, endpoints per host.

import { table } from "./tables.ts";

type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Obj) : {});
export const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
export const str = (v: unknown): string => (v === undefined || v === null ? "" : String(v));

export interface ConfigDump {
  readonly configs: readonly Obj[];
}

export function section(dump: ConfigDump, name: string): Obj {
  return obj(dump.configs.find((c) => str(c["@type"]).endsWith(`.${name}`)));
}

/** `/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews` → reviews.default */
function istioConfigName(metadata: unknown): string {
  const ref = str(obj(obj(obj(metadata).filter_metadata).istio).config);
  const m = /\/namespaces\/([^/]+)\/[^/]+\/([^/]+)$/.exec(ref);
  return m ? `${m[2]}.${m[1]}` : "";
}

export function clustersTable(dump: ConfigDump): string {
  const s = section(dump, "ClustersConfigDump");
  const clusters = [
    ...arr(s.static_clusters).map((c) => obj(c.cluster)),
    ...arr(s.dynamic_active_clusters).map((c) => obj(c.cluster)),
  ];
  const rows = clusters.map((c) => {
    const name = str(c.name);
    const parts = name.split("|");
    const type = str(c.type) || "STATIC";
    const dr = istioConfigName(c.metadata);
    if (parts.length === 4) {
      const [direction, port, subset, fqdn] = parts as [string, string, string, string];
      return [fqdn, port, subset || "-", direction, type, dr];
    }
    return [name, "-", "-", "-", type, dr];
  });
  rows.sort(
    (a, b) =>
      a[0]!.localeCompare(b[0]!) || Number(a[1]) - Number(b[1]) || a[2]!.localeCompare(b[2]!),
  );
  return table(["SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE", "DESTINATION RULE"], rows);
}

function chainMatch(m: Obj): string {
  const parts: string[] = [];
  if (m.destination_port !== undefined) parts.push(`Port: ${str(m.destination_port)}`);
  const sni = arr(m.server_names);
  if (sni.length) parts.push(`SNI: ${sni.join(",")}`);
  if (m.transport_protocol) parts.push(`Trans: ${str(m.transport_protocol)}`);
  const alpn = arr(m.application_protocols);
  if (alpn.length) parts.push(`App: ${alpn.join(",")}`);
  const prefixes = arr(m.prefix_ranges).map((p) => `${str(p.address_prefix)}/${str(p.prefix_len)}`);
  if (prefixes.length) parts.push(`Addr: ${prefixes.join(",")}`);
  return parts.join("; ") || "ALL";
}

function chainDestination(chain: Obj): string {
  for (const f of arr(chain.filters)) {
    const cfg = obj(f.typed_config);
    if (str(f.name) === "envoy.filters.network.http_connection_manager") {
      const rds = obj(cfg.rds);
      if (rds.route_config_name) return `Route: ${str(rds.route_config_name)}`;
      const vhosts = arr(obj(cfg.route_config).virtual_hosts);
      const clusters = vhosts.flatMap((v) =>
        arr(v.routes)
          .map((r) => str(obj(r.route).cluster))
          .filter(Boolean),
      );
      return clusters.length === 1 ? `Inline Route: ${clusters[0]}` : "Inline Route";
    }
    if (str(f.name) === "envoy.filters.network.tcp_proxy") {
      if (cfg.cluster) return `Cluster: ${str(cfg.cluster)}`;
      const weighted = arr(obj(cfg.weighted_clusters).clusters).map((c) => str(c.name));
      return `Clusters: ${weighted.join(", ")}`;
    }
  }
  return "Non-HTTP/Non-TCP";
}

export function listenersTable(dump: ConfigDump): string {
  const s = section(dump, "ListenersConfigDump");
  const listeners = [
    ...arr(s.static_listeners).map((l) => obj(l.listener)),
    ...arr(s.dynamic_listeners).map((l) => obj(obj(l.active_state).listener)),
  ].filter((l) => l.name !== undefined);
  const rows: string[][] = [];
  for (const l of listeners) {
    const sa = obj(obj(l.address).socket_address);
    const chains = [
      ...arr(l.filter_chains),
      ...(l.default_filter_chain ? [obj(l.default_filter_chain)] : []),
    ];
    for (const chain of chains) {
      rows.push([
        str(sa.address),
        str(sa.port_value),
        chainMatch(obj(chain.filter_chain_match)),
        chainDestination(chain),
      ]);
    }
  }
  rows.sort((a, b) => Number(a[1]) - Number(b[1]) || a[0]!.localeCompare(b[0]!));
  return table(["ADDRESSES", "PORT", "MATCH", "DESTINATION"], rows);
}

/** istioctl shows the shortest name that does not start with a digit. */
function describeDomains(domains: string[]): string {
  if (domains.length <= 1) return domains[0] ?? "";
  let best = "";
  for (const d of domains) {
    if (!d || (d[0]! >= "0" && d[0]! <= "9")) continue;
    if (!best || d.length < best.length) best = d;
  }
  return best;
}

function describeMatch(m: Obj): string {
  if (m.prefix !== undefined) return `${str(m.prefix)}*`;
  if (m.path !== undefined) return str(m.path);
  if (m.safe_regex !== undefined) return str(obj(m.safe_regex).regex);
  if (m.path_separated_prefix !== undefined) return `${str(m.path_separated_prefix)}/*`;
  return "/*";
}

export function routesTable(dump: ConfigDump): string {
  const s = section(dump, "RoutesConfigDump");
  const configs = [
    ...arr(s.static_route_configs).map((r) => obj(r.route_config)),
    ...arr(s.dynamic_route_configs).map((r) => obj(r.route_config)),
  ];
  const rows: string[][] = [];
  for (const rc of configs) {
    for (const vh of arr(rc.virtual_hosts)) {
      const domains = describeDomains(arr(vh.domains).map(str));
      for (const r of arr(vh.routes)) {
        rows.push([
          str(rc.name),
          str(vh.name),
          domains,
          describeMatch(obj(r.match)),
          istioConfigName(r.metadata),
        ]);
      }
    }
  }
  return table(["NAME", "VHOST NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE"], rows);
}

/** From `/clusters?format=json`. */
export function endpointsTable(clusters: unknown): string {
  const rows: string[][] = [];
  for (const c of arr(obj(clusters).cluster_statuses)) {
    for (const h of arr(c.host_statuses)) {
      const sa = obj(obj(h.address).socket_address);
      const health = obj(h.health_status);
      rows.push([
        `${str(sa.address)}:${str(sa.port_value)}`,
        str(health.eds_health_status) || "HEALTHY",
        health.failed_outlier_check ? "FAILED" : "OK",
        str(c.name),
      ]);
    }
  }
  rows.sort((a, b) => a[0]!.localeCompare(b[0]!) || a[3]!.localeCompare(b[3]!));
  return table(["ENDPOINT", "STATUS", "OUTLIER CHECK", "CLUSTER"], rows);
}
