// HTTP/2 downstream codec (h2c prior knowledge, or TLS with ALPN h2) on node:http2: each stream
// becomes an HttpStream; responses can end with trailers (gRPC status), and a draining connection
// gets GOAWAY so clients move to new connections without losing in-flight streams.

import http2 from "node:http2";
import type { Duplex } from "node:stream";
import { HeaderMap } from "./headers.ts";
import { type DownstreamInfo, HttpStream, type ResponseSink } from "./stream.ts";

export interface Http2Options {
  readonly maxConcurrentStreams?: number;
  readonly initialWindowSize?: number;
  readonly maxHeaderListPairs: number;
}

export interface Http2Handler {
  onStream(stream: HttpStream): void;
  onProtocolError(info: DownstreamInfo | undefined, reason: string): void;
}

/** node:http2's header object (repeats as arrays), pseudo-headers left out. */
function toHttp2Headers(h: HeaderMap): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [k, v] of h.entries()) {
    if (k.charCodeAt(0) === 58 /* : */) continue;
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [String(prev), v];
  }
  return out;
}

class Http2Sink implements ResponseSink {
  private readonly stream: http2.ServerHttp2Stream;
  private trailers: HeaderMap | undefined;
  private wantTrailers = false;
  constructor(stream: http2.ServerHttp2Stream) {
    this.stream = stream;
  }
  get headersSent(): boolean {
    return this.stream.headersSent;
  }
  get body() {
    return this.stream;
  }
  writeHead(status: number, headers: HeaderMap, endStream: boolean, expectTrailers: boolean): void {
    if (this.stream.destroyed) return;
    const out = toHttp2Headers(headers);
    out[":status"] = status;
    this.wantTrailers = expectTrailers && !endStream;
    if (this.wantTrailers) {
      this.stream.once("wantTrailers", () => {
        this.stream.sendTrailers(this.trailers ? toHttp2Headers(this.trailers) : {});
      });
    }
    this.stream.respond(out, { endStream, waitForTrailers: this.wantTrailers });
  }
  end(trailers?: HeaderMap): void {
    this.trailers = trailers;
    if (!this.stream.destroyed) this.stream.end();
  }
  reset(): void {
    if (!this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  }
  closeAfter(): void {
    this.stream.session?.goaway();
  }
}

// Stored on the socket itself: http2 sessions expose the socket only through a Proxy, which
// forwards property reads but is not the same object for a WeakMap.
const INFO = Symbol("mast.downstreamInfo");

export function attachHttp2(server: http2.Http2Server, socket: Duplex, info: DownstreamInfo): void {
  (socket as unknown as Record<symbol, DownstreamInfo>)[INFO] = info;
  server.emit("connection", socket);
}

export function createHttp2Server(handler: Http2Handler, opts: Http2Options): http2.Http2Server {
  const server = http2.createServer({
    settings: {
      maxConcurrentStreams: opts.maxConcurrentStreams ?? 2147483647,
      initialWindowSize: opts.initialWindowSize ?? 65535,
    },
    maxHeaderListPairs: opts.maxHeaderListPairs,
  });
  server.on(
    "stream",
    (stream: http2.ServerHttp2Stream, h: http2.IncomingHttpHeaders, flags: number) => {
      const info = (
        stream.session?.socket as unknown as Record<symbol, DownstreamInfo> | undefined
      )?.[INFO];
      // one pass: pseudo-headers become the request line, the rest (less host) the header map
      let method = "GET";
      let path = "";
      let authority: string | undefined;
      let scheme = "http";
      let host: string | undefined;
      const headers = new HeaderMap();
      for (const k in h) {
        const v = h[k];
        if (v === undefined) continue;
        if (k.charCodeAt(0) === 58 /* : */) {
          const s = String(v);
          if (k === ":method") method = s;
          else if (k === ":path") path = s;
          else if (k === ":authority") authority = s;
          else if (k === ":scheme") scheme = s;
        } else if (k === "host") host = String(v);
        else if (Array.isArray(v)) for (const e of v) headers.addLower(k, e);
        else headers.addLower(k, String(v));
      }
      authority ??= host ?? "";
      const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      const s = new HttpStream({
        protocol: "HTTP/2",
        method,
        path,
        authority,
        scheme,
        headers,
        body: endStream ? null : stream,
        downstream: info ?? {
          remoteAddress: "",
          remotePort: 0,
          localAddress: "",
          localPort: 0,
          tls: false,
        },
        sink: new Http2Sink(stream),
      });
      stream.on("close", () => {
        if (!stream.writableFinished || stream.rstCode) {
          s.downstreamClosed =
            stream.rstCode !== 0 && stream.rstCode !== undefined ? true : s.downstreamClosed;
          if (s.downstreamClosed) s.abort.abort(new Error("downstream reset"));
        }
      });
      stream.on("error", () => undefined);
      handler.onStream(s);
    },
  );
  server.on("sessionError", (err: Error) => handler.onProtocolError(undefined, err.message));
  return server;
}
