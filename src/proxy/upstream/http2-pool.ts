// HTTP/2 (h2c or TLS with ALPN h2) upstream: one multiplexed session per host, replaced when it
// goes away; streams carry trailers, so gRPC status and metadata survive the hop.

import http2 from "node:http2";
import type { ConnectionOptions } from "node:tls";
import { HeaderMap } from "../http/headers.ts";
import { UpstreamError } from "./errors.ts";
import type { UpstreamRequest, UpstreamResponse } from "./upstream-types.ts";

export interface Http2PoolOptions {
  readonly connectTimeoutMs: number;
  readonly tls?: ConnectionOptions;
  /** Source address of upstream connections (upstream_bind_config). */
  readonly localAddress?: string;
  readonly maxRequestsPerConnection?: number;
  readonly idleTimeoutMs?: number;
}

/** Response headers or trailers without pseudo-headers (node:http2 gives an object). */
function fromHttp2Headers(h: http2.IncomingHttpHeaders): HeaderMap {
  const out = new HeaderMap();
  for (const k in h) {
    if (k.charCodeAt(0) === 58) continue;
    const v = h[k];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const e of v) out.addLower(k, e);
    else out.addLower(k, String(v));
  }
  return out;
}

export class Http2Pool {
  private session: http2.ClientHttp2Session | undefined;
  /** Streams opened on the current session, for max_requests_per_connection. */
  private streams = 0;
  private readonly origin: string;
  private readonly opts: Http2PoolOptions;

  constructor(address: string, port: number, opts: Http2PoolOptions) {
    const host = address.includes(":") ? `[${address}]` : address;
    this.origin = `${opts.tls ? "https" : "http"}://${host}:${port}`;
    this.opts = opts;
  }

  private connect(): Promise<http2.ClientHttp2Session> {
    const s = this.session;
    if (s && !s.closed && !s.destroyed) return Promise.resolve(s);
    return new Promise((resolve, reject) => {
      // localAddress reaches net.connect/tls.connect, though @types/node does not list it
      const options: http2.SecureClientSessionOptions & { localAddress?: string } = {
        ...(this.opts.tls ?? {}),
        localAddress: this.opts.localAddress,
        ALPNProtocols: ["h2"],
      };
      const session = http2.connect(this.origin, options);
      this.session = session;
      this.streams = 0;
      if (this.opts.idleTimeoutMs)
        session.setTimeout(this.opts.idleTimeoutMs, () => session.close());
      const timer = setTimeout(() => {
        session.destroy();
        reject(new UpstreamError("UF", "connection timeout", "connect timeout"));
      }, this.opts.connectTimeoutMs);
      const forget = () => {
        if (this.session === session) this.session = undefined;
      };
      session.once("connect", () => {
        clearTimeout(timer);
        resolve(session);
      });
      session.once("error", (err) => {
        clearTimeout(timer);
        forget();
        reject(new UpstreamError("UF", "connection failure", err.message));
      });
      session.on("goaway", forget);
      session.on("close", forget);
    });
  }

  request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const s = this.session;
    // the common case (a live session, or one still connecting: node:http2 queues the stream)
    // stays synchronous, without an extra promise hop per request
    if (s && !s.closed && !s.destroyed) return this.send(s, req);
    return this.connect().then((session) => this.send(session, req));
  }

  private send(session: http2.ClientHttp2Session, req: UpstreamRequest): Promise<UpstreamResponse> {
    const headers: http2.OutgoingHttpHeaders = {
      ":method": req.method,
      ":path": req.path,
      ":authority": req.authority,
      ":scheme": req.scheme,
    };
    for (const [k, v] of req.headers.entries()) {
      if (k.charCodeAt(0) === 58 /* : */ || k === "host") continue;
      const prev = headers[k];
      if (prev === undefined) headers[k] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else headers[k] = [String(prev), v];
    }
    const stream = session.request(headers, { endStream: req.body === null, signal: req.signal });
    // Errors after the response are the body reader's business (it sees the close without an
    // end); this listener keeps a late reset from becoming an uncaught 'error' event.
    let failure: Error | undefined;
    stream.on("error", (e: Error) => {
      failure ??= e;
    });
    if (++this.streams >= (this.opts.maxRequestsPerConnection ?? Number.POSITIVE_INFINITY)) {
      // the session finishes its streams and the next request opens a new one
      this.session = undefined;
      session.close();
    }
    if (req.body) req.body.pipe(stream);
    // The stream itself is the response body: no PassThrough copy per chunk. Trailers (gRPC
    // status) arrive before 'end'; the promise settles on end or close, whichever comes first.
    let trailersSeen: HeaderMap | undefined;
    let settleTrailers!: (t: HeaderMap | undefined) => void;
    const trailers = new Promise<HeaderMap | undefined>((res) => {
      settleTrailers = res;
    });
    stream.once("trailers", (t) => {
      trailersSeen = fromHttp2Headers(t);
    });
    return new Promise((resolve, reject) => {
      let responded = false;
      stream.once("response", (h) => {
        responded = true;
        resolve({
          status: Number(h[":status"]),
          headers: fromHttp2Headers(h),
          body: stream,
          trailers,
        });
      });
      stream.once("end", () => settleTrailers(trailersSeen));
      stream.once("close", () => {
        settleTrailers(trailersSeen);
        if (responded) return;
        const code = stream.rstCode;
        if (failure) reject(new UpstreamError("UC", "connection termination", failure.message));
        else if (code && code !== http2.constants.NGHTTP2_NO_ERROR)
          reject(
            new UpstreamError(
              "UR",
              code === http2.constants.NGHTTP2_REFUSED_STREAM
                ? "remote refused stream reset"
                : "remote reset",
              `stream reset ${code}`,
            ),
          );
        else reject(new UpstreamError("UC", "connection termination", "stream closed"));
      });
    });
  }

  close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (!s || s.closed) return Promise.resolve();
    return new Promise((resolve) => s.close(() => resolve()));
  }

  destroy(): void {
    this.session?.destroy();
    this.session = undefined;
  }
}
