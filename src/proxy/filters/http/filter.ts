// The HTTP filter contract: a factory parses a filter's typed_config once (throwing on bad config,
// so xDS can NACK); per request, decodeHeaders either continues (undefined) or answers locally.
// Response-path changes are registered on the stream as hooks. The router is the terminal filter.

import type { TypedConfig } from "../../config-types.ts";
import type { HttpStream, LocalReply } from "../../http/stream.ts";

export type FilterResult = LocalReply | undefined;

export interface HttpFilter {
  readonly name: string;
  /** perRoute: the route's (or virtual host's) typed_per_filter_config for this filter. */
  decodeHeaders(
    stream: HttpStream,
    perRoute: TypedConfig | undefined,
  ): FilterResult | Promise<FilterResult>;
}

export interface HttpFilterFactory {
  /** Type URL of the filter's typed_config. */
  readonly typeUrl: string;
  create(name: string, config: TypedConfig, path: string): HttpFilter;
}
