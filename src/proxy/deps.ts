// What listeners and filters need from the proxy around them: stats, clusters, route configs,
// SDS secrets and the access log sink. Passed explicitly; there are no globals.

import type { StatsStore } from "../telemetry/stats.ts";
import type { RouteTable } from "./routing/route-table.ts";
import type { SecretLookup } from "./tls-context.ts";
import type { ClusterManager } from "./upstream/cluster-manager.ts";

export interface ProxyDeps {
  readonly stats: StatsStore;
  readonly clusters: ClusterManager;
  routeConfig(name: string): RouteTable | undefined;
  readonly secrets: SecretLookup;
  accessLog(line: string): void;
  /** How long a replaced or removed listener's connections may finish (Envoy's --drain-time-s). */
  readonly drainTimeMs: number;
}
