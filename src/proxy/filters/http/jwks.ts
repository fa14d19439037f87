// Where a jwt_authn provider's keys come from: inline (local_jwks) or fetched over HTTP from an
// upstream cluster (remote_jwks), cached for cache_duration. One fetch at a time per provider;
// a failed fetch is not cached, so the next request tries again.

import http from "node:http";
import https from "node:https";
import { parseDurationMs } from "../../duration.ts";
import type { ClusterManager } from "../../upstream/cluster-manager.ts";
import { JWT_ERRORS, type Jwk, JwtError, parseJwks } from "./jwt-verify.ts";

export interface JwksSource {
  keys(): Promise<readonly Jwk[]>;
}

export interface RemoteJwksConfig {
  http_uri?: { uri?: string; cluster?: string; timeout?: string };
  cache_duration?: string;
}

const MAX_JWKS_BYTES = 1 << 20;

export function localJwks(text: string): JwksSource {
  const keys = parseJwks(text);
  return { keys: async () => keys };
}

export class RemoteJwks implements JwksSource {
  private cached: { keys: readonly Jwk[]; until: number } | undefined;
  private inflight: Promise<readonly Jwk[]> | undefined;
  private readonly uri: URL;
  private readonly cluster: string;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly clusters: ClusterManager;

  constructor(c: RemoteJwksConfig, clusters: ClusterManager, path: string) {
    const uri = c.http_uri?.uri;
    if (!uri || !URL.canParse(uri)) throw new Error(`${path}.http_uri.uri: a URL is required`);
    if (!c.http_uri?.cluster) throw new Error(`${path}.http_uri.cluster: required`);
    this.uri = new URL(uri);
    this.cluster = c.http_uri.cluster;
    this.timeoutMs = parseDurationMs(c.http_uri.timeout, 1000);
    this.cacheMs = parseDurationMs(c.cache_duration, 600_000);
    this.clusters = clusters;
  }

  keys(): Promise<readonly Jwk[]> {
    if (this.cached && this.cached.until > Date.now()) return Promise.resolve(this.cached.keys);
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetch(): Promise<readonly Jwk[]> {
    const host = this.clusters.get(this.cluster)?.pick();
    if (!host) throw new JwtError(JWT_ERRORS.jwksFetch);
    const text = await this.get(host.hostname ?? host.address, host.port).catch(() => {
      throw new JwtError(JWT_ERRORS.jwksFetch);
    });
    const keys = parseJwks(text);
    if (keys.length === 0) throw new JwtError(JWT_ERRORS.jwksFetch);
    this.cached = { keys, until: Date.now() + this.cacheMs };
    return keys;
  }

  private get(address: string, port: number): Promise<string> {
    const lib = this.uri.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.get(
        {
          host: address,
          port,
          path: `${this.uri.pathname}${this.uri.search}`,
          headers: { host: this.uri.host },
          servername: this.uri.hostname,
          timeout: this.timeoutMs,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > MAX_JWKS_BYTES) req.destroy(new Error("JWKS too large"));
            else chunks.push(c);
          });
          res.on("end", () =>
            res.statusCode === 200
              ? resolve(Buffer.concat(chunks).toString("utf8"))
              : reject(new Error(`HTTP ${res.statusCode}`)),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
    });
  }
}
