// HTTP/1.1 upstream connections per host: requests through our lean keep-alive client
// (http1-client.ts), WebSocket/upgrade through an undici Pool's upgrade().

import type { Pool } from "undici";
import { HeaderMap } from "../http/headers.ts";
import { Http1Client, type Http1ClientOptions } from "./http1-client.ts";
import type { UpstreamRequest, UpstreamResponse, UpstreamUpgrade } from "./upstream-types.ts";

export class Http1Pool {
  /** undici only for upgrades, imported on the first one: it costs ~12 MB of RSS at start-up. */
  private pool: Promise<Pool> | undefined;
  private readonly origin: string;
  private readonly opts: Http1ClientOptions;
  private readonly client: Http1Client;

  constructor(address: string, port: number, opts: Http1ClientOptions) {
    const host = address.includes(":") ? `[${address}]` : address;
    this.origin = `${opts.tls ? "https" : "http"}://${host}:${port}`;
    this.opts = opts;
    this.client = new Http1Client(address, port, opts);
  }

  private upgradePool(): Promise<Pool> {
    const opts = this.opts;
    this.pool ??= import("undici").then(
      ({ Pool }) =>
        new Pool(this.origin, {
          connections: opts.maxConnections ?? null,
          pipelining: 1,
          connectTimeout: opts.connectTimeoutMs,
          keepAliveTimeout: 60_000,
          headersTimeout: 0,
          bodyTimeout: 0,
          connect: opts.tls ? { ...opts.tls } : undefined,
          localAddress: opts.localAddress,
        }),
    );
    return this.pool;
  }

  request(req: UpstreamRequest): Promise<UpstreamResponse> {
    return this.client.request(req);
  }

  async upgrade(req: UpstreamRequest, protocol: string): Promise<UpstreamUpgrade> {
    const headers = new HeaderMap();
    headers.add("host", req.authority);
    for (const [k, v] of req.headers.entries()) if (!k.startsWith(":")) headers.add(k, v);
    const pool = await this.upgradePool();
    const { headers: resHeaders, socket } = await pool.upgrade({
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
    this.client.close();
    return this.pool?.then((p) => p.close()).catch(() => undefined) ?? Promise.resolve();
  }

  destroy(): void {
    this.client.close();
    this.pool?.then((p) => p.destroy()).catch(() => undefined);
  }
}
