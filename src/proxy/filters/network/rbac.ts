// envoy.filters.network.rbac: authorizes a connection before the terminal filter sees it, on
// what L4 knows (peer and local addresses, SNI, the client certificate's identity). A denied
// connection is closed; stats go to `<stat_prefix>rbac.*`.

import { TYPE_URL } from "../../../envoy/index.ts";
import type { StatScope, StatsStore } from "../../../telemetry/stats.ts";
import type { TypedConfig } from "../../config-types.ts";
import type { DownstreamInfo } from "../../http/stream.ts";
import {
  type CompiledRbacFilter,
  compileRbacFilter,
  decide,
  type RbacFilterConfig,
} from "../rbac-filter-config.ts";

/** A network filter ahead of the terminal one: false closes the connection. */
export interface NetworkReadFilter {
  onConnection(info: DownstreamInfo): boolean;
}

export const NETWORK_RBAC_METADATA = "envoy.filters.network.rbac";

export class NetworkRbacFilter implements NetworkReadFilter {
  private readonly cfg: CompiledRbacFilter;
  private readonly scope: StatScope;
  private readonly stats: StatsStore;

  constructor(tc: TypedConfig, stats: StatsStore, path: string) {
    const c = tc as RbacFilterConfig;
    if (!c.stat_prefix) throw new Error(`${path}.stat_prefix: required`);
    this.cfg = compileRbacFilter(c, path);
    this.scope = { prefix: c.stat_prefix.replace(/\.$/, "") };
    this.stats = stats;
  }

  onConnection(info: DownstreamInfo): boolean {
    const req = {
      remoteAddress: info.remoteAddress,
      remoteIp: info.remoteAddress,
      localAddress: info.localAddress,
      localPort: info.localPort,
      sni: info.sni,
      peerPrincipal: info.peerPrincipal,
      metadata: new Map(),
    };
    return decide(this.cfg, req, this.stats, this.scope, {}).allowed;
  }
}

export const NETWORK_READ_FILTERS: ReadonlyMap<
  string,
  (tc: TypedConfig, stats: StatsStore, path: string) => NetworkReadFilter
> = new Map([[TYPE_URL.NETWORK_RBAC, (tc, stats, path) => new NetworkRbacFilter(tc, stats, path)]]);
