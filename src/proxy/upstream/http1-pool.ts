// HTTP/1.1 upstream connections: one undici Pool per host, keep-alive, streaming bodies both ways
// with backpressure, and WebSocket/upgrade via undici's upgrade().

import type { Readable } from "node:stream";
import type { ConnectionOptions } from "node:tls";
import { Pool } from "undici";
import { HeaderMap } from "../http/headers.ts";
import type { UpstreamRequest, UpstreamResponse, UpstreamUpgrade } from "./upstream-types.ts";

export interface Http1PoolOptions {
  readonly connectTimeoutMs: number;
  readonly maxConnections?: number;
  readonly tls?: ConnectionOptions;
  /** Source address of upstream connections (upstream_bind_config). */
  readonly localAddress?: string;
}

export class Http1Pool {
  private readonly pool: Pool;

  constructor(address: string, port: number, opts: Http1PoolOptions) {
    const host = address.includes(":") ? `[${address}]` : address;
    const origin = `${opts.tls ? "https" : "http"}://${host}:${port}`;
    this.pool = new Pool(origin, {
      connections: opts.maxConnections ?? null,
      pipelining: 1,
      connectTimeout: opts.connectTimeoutMs,
      keepAliveTimeout: 60_000,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: opts.tls ? { ...opts.tls } : undefined,
      localAddress: opts.localAddress,
    });
  }

  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const flat = ["host", req.authority];
    for (const [k, v] of req.headers.entries()) if (k[0] !== ":") flat.push(k, v);
    const res = await this.pool.request({
      path: req.path,
      method: req.method as "GET",
      headers: flat,
      body: req.body ?? undefined,
      signal: req.signal,
    });
    const out = HeaderMap.fromObject(res.headers);
    const body = res.body as unknown as Readable;
    const trailers = new Promise<HeaderMap | undefined>((resolve) => {
      body.once("end", () => {
        const t = res.trailers as Record<string, string> | undefined;
        resolve(t && Object.keys(t).length ? HeaderMap.fromObject(t) : undefined);
      });
      body.once("error", () => resolve(undefined));
      body.once("close", () => resolve(undefined));
    });
    return { status: res.statusCode, headers: out, body, trailers };
  }

  async upgrade(req: UpstreamRequest, protocol: string): Promise<UpstreamUpgrade> {
    const headers = new HeaderMap();
    headers.add("host", req.authority);
    for (const [k, v] of req.headers.entries()) if (!k.startsWith(":")) headers.add(k, v);
    const { headers: resHeaders, socket } = await this.pool.upgrade({
      path: req.path,
      method: req.method as "GET",
      headers: headers.toFlat(),
      protocol,
      signal: req.signal,
    });
    return {
      headers: HeaderMap.fromObject(resHeaders as Record<string, string | string[]>),
      socket,
    };
  }

  close(): Promise<void> {
    return this.pool.close().catch(() => undefined);
  }

  destroy(): void {
    this.pool.destroy().catch(() => undefined);
  }
}
