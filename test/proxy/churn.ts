// The config-churn script shared by test/proxy/config-churn.test.ts (short, in `npm test`) and the
// bench's full-size `config-churn` scenario (`npm run bench -- --only config-churn`): one HTTP
// listener routed over RDS to cluster A or B, and a cycle of changes pushed through ScriptedXds —
// a listener replacement (a new stat_prefix on the same address: the proxy keeps the socket and
// drains the old chain), a route switch between A and B, and a cluster change (connect_timeout).

import { type DiscoveryRequest, TYPE_URL } from "../../src/envoy/index.ts";
import { HCM, ROUTER, staticCluster } from "./helpers.ts";
import type { ScriptedXds } from "./xds-server.ts";

export interface ChurnPorts {
  /** The listener's port; 0 lets the proxy pick one. */
  readonly listen: number;
  readonly a: number;
  readonly b: number;
}

/** One pushed change: its xDS type and the version the proxy must ACK. */
export interface ChurnChange {
  readonly kind: "listener" | "route" | "cluster";
  readonly typeUrl: string;
  readonly version: string;
}

const listener = (port: number, statPrefix: string) => ({
  name: "churn",
  address: { socket_address: { address: "127.0.0.1", port_value: port } },
  filter_chains: [
    {
      filters: [
        {
          name: "hcm",
          typed_config: {
            "@type": HCM,
            stat_prefix: statPrefix,
            rds: { route_config_name: "r", config_source: { ads: {} } },
            http_filters: [ROUTER],
          },
        },
      ],
    },
  ],
});
const routes = (cluster: string) => ({
  name: "r",
  virtual_hosts: [
    { name: "vh", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster } }] },
  ],
});
const clusters = (ports: ChurnPorts, timeout: string) => [
  { ...staticCluster("A", ports.a), connect_timeout: timeout },
  { ...staticCluster("B", ports.b), connect_timeout: timeout },
];

/** The starting config (versions l0, r0, c0): the listener routes to cluster A. */
export function churnInitial(xds: ScriptedXds, ports: ChurnPorts): ChurnChange[] {
  xds.set(TYPE_URL.CLUSTER, "c0", clusters(ports, "1s"));
  xds.set(TYPE_URL.LISTENER, "l0", [listener(ports.listen, "churn0")]);
  xds.set(TYPE_URL.ROUTE_CONFIGURATION, "r0", [routes("A")]);
  return [
    { kind: "cluster", typeUrl: TYPE_URL.CLUSTER, version: "c0" },
    { kind: "listener", typeUrl: TYPE_URL.LISTENER, version: "l0" },
    { kind: "route", typeUrl: TYPE_URL.ROUTE_CONFIGURATION, version: "r0" },
  ];
}

/** Pushes change i (from 1): listener, route and cluster changes in turn. */
export function churnChange(xds: ScriptedXds, ports: ChurnPorts, i: number): ChurnChange {
  if (i % 3 === 0) {
    xds.set(TYPE_URL.LISTENER, `l${i}`, [listener(ports.listen, `churn${i}`)]);
    return { kind: "listener", typeUrl: TYPE_URL.LISTENER, version: `l${i}` };
  }
  if (i % 3 === 1) {
    // i = 1, 4, 7, ... switches B, A, B, ...
    xds.set(TYPE_URL.ROUTE_CONFIGURATION, `r${i}`, [routes(i % 2 ? "B" : "A")]);
    return { kind: "route", typeUrl: TYPE_URL.ROUTE_CONFIGURATION, version: `r${i}` };
  }
  xds.set(TYPE_URL.CLUSTER, `c${i}`, clusters(ports, `${1 + (i % 5)}s`));
  return { kind: "cluster", typeUrl: TYPE_URL.CLUSTER, version: `c${i}` };
}

/** Was this change ACKed (a request of its type naming its version, with a nonce, no error)? */
export function acked(xds: ScriptedXds, c: ChurnChange, timeoutMs = 5000): Promise<boolean> {
  return xds
    .waitFor(
      (r: DiscoveryRequest) =>
        r.type_url === c.typeUrl &&
        r.version_info === c.version &&
        Boolean(r.response_nonce) &&
        !r.error_detail,
      timeoutMs,
    )
    .then(
      () => true,
      () => false,
    );
}
