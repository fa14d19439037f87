// HTTP/2 (h2c or TLS with ALPN h2) upstream: one multiplexed session per host, replaced when it
// goes away; streams carry trailers, so gRPC status and metadata survive the hop.

import http2 from "node:http2";
import { PassThrough } from "node:stream";
import type { ConnectionOptions } from "node:tls";
import { HeaderMap } from "../http/headers.ts";
import { UpstreamError } from "./errors.ts";
import type { UpstreamRequest, UpstreamResponse } from "./upstream-types.ts";

export interface Http2PoolOptions {
  readonly connectTimeoutMs: number;
  readonly tls?: ConnectionOptions;
  /** Source address of upstream connections (upstream_bind_config). */
  readonly localAddress?: string;
}

export class Http2Pool {
  private session: http2.ClientHttp2Session | undefined;
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

  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const session = await this.connect();
    const headers: http2.OutgoingHttpHeaders = {
      ":method": req.method,
      ":path": req.path,
      ":authority": req.authority,
      ":scheme": req.scheme,
    };
    for (const [k, v] of Object.entries(req.headers.toObject())) {
      if (!k.startsWith(":") && k !== "host") headers[k] = v;
    }
    const stream = session.request(headers, { endStream: req.body === null, signal: req.signal });
    if (req.body) req.body.pipe(stream);
    return new Promise((resolve, reject) => {
      const body = new PassThrough();
      let trailersSeen: HeaderMap | undefined;
      stream.once("trailers", (t) => {
        trailersSeen = HeaderMap.fromObject(t as Record<string, string | string[]>);
      });
      const trailers = new Promise<HeaderMap | undefined>((res) => {
        body.once("end", () => res(trailersSeen));
        body.once("close", () => res(trailersSeen));
      });
      stream.once("response", (h) => {
        const status = Number(h[":status"]);
        const out = HeaderMap.fromObject(h as Record<string, string | string[]>);
        for (const [k] of out.entries()) if (k.startsWith(":")) out.remove(k);
        stream.pipe(body);
        stream.once("error", (e) => body.destroy(e));
        resolve({ status, headers: out, body, trailers });
      });
      stream.once("error", (e) =>
        reject(new UpstreamError("UC", "connection termination", e.message)),
      );
      stream.once("close", () => {
        if (stream.rstCode && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) {
          const e = new UpstreamError("UR", "remote reset", `stream reset ${stream.rstCode}`);
          reject(e);
          body.destroy(e);
        }
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
