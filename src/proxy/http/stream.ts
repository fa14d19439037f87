// One HTTP request/response exchange inside the connection manager, the same for HTTP/1.1 and
// HTTP/2: the request as headers plus a body stream, a response sink the codec provides, and what
// access logs and stats need (flags, bytes, timing, upstream host).

import { type Readable, Transform, type Writable } from "node:stream";
import type { AccessLogEntry } from "../../telemetry/access-log.ts";
import { type ResponseFlag, ResponseFlags } from "../../telemetry/response-flags.ts";
import type { RouteResult } from "../routing/route-table.ts";
import { HeaderMap } from "./headers.ts";

/** The codec's side of a response: HTTP/1.1 ServerResponse or an HTTP/2 stream. */
export interface ResponseSink {
  readonly headersSent: boolean;
  writeHead(status: number, headers: HeaderMap, endStream: boolean, expectTrailers: boolean): void;
  readonly body: Writable;
  /** Ends the body, sending trailers where the protocol allows. */
  end(trailers?: HeaderMap): void;
  /** Abrupt end: RST_STREAM for HTTP/2, closing the connection for HTTP/1. */
  reset(): void;
  /** Asks the client to close the connection after this response (drain). */
  closeAfter(): void;
}

export interface DownstreamInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** The local address is the original destination (SO_ORIGINAL_DST): ORIGINAL_DST clusters use it. */
  readonly localAddressRestored?: boolean;
  readonly sni?: string;
  readonly tls: boolean;
  /** Identity of a verified client certificate (URI SAN, else DNS SAN, else subject). */
  readonly peerPrincipal?: string;
}

export interface LocalReply {
  readonly status: number;
  readonly body?: string;
  readonly headers?: HeaderMap;
  readonly flag?: ResponseFlag;
  readonly details?: string;
}

let nextId = 0;

export class HttpStream {
  readonly id = ++nextId;
  readonly startTime = new Date();
  readonly started = performance.now();
  readonly protocol: string;
  method: string;
  /** :path as received, query included. */
  path: string;
  /** "#fragment" forwarded after the path; never part of routing (see preparePath). */
  fragment = "";
  authority: string;
  scheme: string;
  readonly headers: HeaderMap;
  readonly body: Readable | null;
  readonly downstream: DownstreamInfo;
  readonly sink: ResponseSink;
  readonly flags = new ResponseFlags();
  route: RouteResult | undefined;
  routeName: string | undefined;
  upstreamCluster: string | undefined;
  upstreamHost: string | undefined;
  responseCode = 0;
  responseCodeDetails: string | undefined;
  responseHeaders: HeaderMap | undefined;
  responseTrailers: HeaderMap | undefined;
  bytesReceived = 0;
  bytesSent = 0;
  /** Response header mutations filters registered on the request path. */
  readonly responseHooks: ((headers: HeaderMap) => void)[] = [];
  /** Envoy's dynamic metadata: per filter namespace, what filters recorded for later ones. */
  readonly dynamicMetadata = new Map<string, Record<string, unknown>>();
  /** Set when the downstream went away before the response completed. */
  downstreamClosed = false;
  readonly abort = new AbortController();

  constructor(init: {
    protocol: string;
    method: string;
    path: string;
    authority: string;
    scheme: string;
    headers: HeaderMap;
    body: Readable | null;
    downstream: DownstreamInfo;
    sink: ResponseSink;
  }) {
    this.protocol = init.protocol;
    this.method = init.method;
    this.path = init.path;
    this.authority = init.authority;
    this.scheme = init.scheme;
    this.headers = init.headers;
    // count request bytes on the way through, without taking them from the router
    if (init.body) {
      const counter = new Transform({
        transform: (chunk: Buffer, _enc, cb) => {
          this.bytesReceived += chunk.length;
          cb(null, chunk);
        },
      });
      // pipe, not stream.pipeline: pipeline allocates an AbortController per call and aborts it
      // on finish, building a DOMException with a stack trace for every request body
      const src = init.body;
      src.on("error", (e) => counter.destroy(e));
      src.pipe(counter);
      this.body = counter;
    } else this.body = null;
    this.downstream = init.downstream;
    this.sink = init.sink;
  }

  /** The dynamic metadata namespace of one filter, created on first use. */
  metadataFor(filter: string): Record<string, unknown> {
    let md = this.dynamicMetadata.get(filter);
    if (!md) {
      md = {};
      this.dynamicMetadata.set(filter, md);
    }
    return md;
  }

  /** Request header incl. pseudo-headers, for matchers and access logs. */
  requestHeader(name: string): string | undefined {
    switch (name) {
      case ":method":
        return this.method;
      case ":path":
        return this.path;
      case ":authority":
      case "host":
        return this.authority;
      case ":scheme":
        return this.scheme;
      default:
        return this.headers.joined(name);
    }
  }

  /** Sends a locally generated response (Envoy's local reply), unless one already started. */
  localReply(r: LocalReply): void {
    if (r.flag) this.flags.add(r.flag);
    this.responseCodeDetails = r.details;
    if (this.sink.headersSent) {
      this.sink.reset();
      return;
    }
    const h = r.headers ?? new HeaderMap();
    const body = r.body ?? "";
    if (body && !h.has("content-type")) h.set("content-type", "text/plain");
    h.set("content-length", String(Buffer.byteLength(body)));
    this.sendHeaders(r.status, h, body === "" || this.method === "HEAD", false);
    if (body && this.method !== "HEAD") {
      this.bytesSent += Buffer.byteLength(body);
      this.sink.body.write(body);
      this.sink.end();
    }
  }

  sendHeaders(
    status: number,
    headers: HeaderMap,
    endStream: boolean,
    expectTrailers: boolean,
  ): void {
    for (const hook of this.responseHooks) hook(headers);
    this.responseCode = status;
    this.responseHeaders = headers;
    this.sink.writeHead(status, headers, endStream, expectTrailers);
  }

  durationMs(): number {
    return performance.now() - this.started;
  }

  logEntry(): AccessLogEntry {
    return {
      startTime: this.startTime,
      requestHeader: (n) => this.requestHeader(n),
      responseHeader: (n) => this.responseHeaders?.joined(n),
      responseTrailer: (n) => this.responseTrailers?.joined(n),
      protocol: this.protocol,
      responseCode: this.responseCode,
      responseCodeDetails: this.responseCodeDetails,
      responseFlags: this.flags.toString(),
      bytesReceived: this.bytesReceived,
      bytesSent: this.bytesSent,
      durationMs: this.durationMs(),
      upstreamHost: this.upstreamHost,
      upstreamCluster: this.upstreamCluster,
      downstreamLocalAddress: `${this.downstream.localAddress}:${this.downstream.localPort}`,
      downstreamRemoteAddress: `${this.downstream.remoteAddress}:${this.downstream.remotePort}`,
      requestedServerName: this.downstream.sni,
      routeName: this.routeName,
    };
  }
}
