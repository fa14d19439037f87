// What the router hands a connection pool and gets back, independent of HTTP/1.1 or HTTP/2.

import type { Duplex, Readable } from "node:stream";
import type { HeaderMap } from "../http/headers.ts";

export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  /** Request headers without hop-by-hop ones; pseudo-headers are ignored. */
  readonly headers: HeaderMap;
  readonly body: Readable | null;
  readonly signal?: AbortSignal;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body: Readable;
  /** Resolves when the body ends: the trailers, if any. */
  readonly trailers: Promise<HeaderMap | undefined>;
}

export interface UpstreamUpgrade {
  readonly headers: HeaderMap;
  readonly socket: Duplex;
}
