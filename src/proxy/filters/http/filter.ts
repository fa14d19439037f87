// The HTTP filter contract: a factory parses a filter's typed_config once (throwing on bad config,
// so xDS can NACK); per request, decodeHeaders either continues (undefined) or answers locally.
// Response-path changes are registered on the stream as hooks. The router is the terminal filter.

import type { StatsStore } from "../../../telemetry/stats.ts";
import type { TypedConfig } from "../../config-types.ts";
import type { HttpStream, LocalReply } from "../../http/stream.ts";
import type { ClusterManager } from "../../upstream/cluster-manager.ts";

export type FilterResult = LocalReply | undefined;

export interface HttpFilter {
  readonly name: string;
  /** perRoute: the route's (or virtual host's) typed_per_filter_config for this filter. */
  decodeHeaders(
    stream: HttpStream,
    perRoute: TypedConfig | undefined,
  ): FilterResult | Promise<FilterResult>;
}

/** What a filter may use of the proxy: stats (under its HCM's prefix) and upstream clusters. */
export interface FilterContext {
  readonly stats: StatsStore;
  readonly clusters: ClusterManager;
  /** The HCM's stat_prefix. */
  readonly statPrefix: string;
}

export interface HttpFilterFactory {
  /** Type URL of the filter's typed_config. */
  readonly typeUrl: string;
  create(name: string, config: TypedConfig, path: string, ctx: FilterContext): HttpFilter;
}
