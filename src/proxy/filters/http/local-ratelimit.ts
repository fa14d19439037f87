// envoy.filters.http.local_ratelimit: a token bucket per filter config (the HCM-level one, or a
// route's / virtual host's typed_per_filter_config, as Istio's local rate limit task sets it),
// applied to filter_enabled of requests and enforced for filter_enforced of them: 429 (or
// `status`) "local_rate_limited" with response_headers_to_add, response flag RL, and the
// `<stat_prefix>.http_local_rate_limit.{enabled,enforced,rate_limited,ok}` stats.
// Not done: descriptors (route rate_limits actions), per-connection buckets.

import { TYPE_URL } from "../../../envoy/index.ts";
import { ScopedStats, type StatsStore } from "../../../telemetry/stats.ts";
import type {
  HeaderValueOption,
  RuntimeFractionalPercent,
  TypedConfig,
} from "../../config-types.ts";
import { parseDurationMs } from "../../duration.ts";
import { applyHeaderOps, HeaderMap } from "../../http/headers.ts";
import type { HttpStream } from "../../http/stream.ts";
import type { FilterResult, HttpFilter, HttpFilterFactory } from "./filter.ts";
import { fractionHit } from "./request-mirror.ts";
import { unwrapTypedStruct } from "./typed-struct.ts";

interface LocalRateLimitConfig {
  stat_prefix?: string;
  status?: { code?: string | number };
  token_bucket?: { max_tokens?: number; tokens_per_fill?: number; fill_interval?: string };
  filter_enabled?: RuntimeFractionalPercent;
  filter_enforced?: RuntimeFractionalPercent;
  response_headers_to_add?: HeaderValueOption[];
  request_headers_to_add_when_not_enforced?: HeaderValueOption[];
  enable_x_ratelimit_headers?: string;
  local_rate_limit_per_downstream_connection?: boolean;
  descriptors?: unknown[];
}

const STATUS: Record<string, number> = { TooManyRequests: 429, ServiceUnavailable: 503 };

/** Envoy's token bucket: starts full, gains tokens_per_fill every fill_interval up to max_tokens. */
class TokenBucket {
  readonly max: number;
  private readonly perFill: number;
  private readonly intervalMs: number;
  private tokens: number;
  private lastFill = performance.now();

  constructor(max: number, perFill: number, intervalMs: number) {
    this.max = max;
    this.perFill = perFill;
    this.intervalMs = intervalMs;
    this.tokens = max;
  }

  private refill(): void {
    const now = performance.now();
    const fills = Math.floor((now - this.lastFill) / this.intervalMs);
    if (fills > 0) {
      this.tokens = Math.min(this.max, this.tokens + fills * this.perFill);
      this.lastFill += fills * this.intervalMs;
    }
  }

  consume(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  remaining(): number {
    return this.tokens;
  }

  /** Seconds until the next fill, for x-ratelimit-reset. */
  resetSeconds(): number {
    return Math.ceil((this.lastFill + this.intervalMs - performance.now()) / 1000);
  }
}

interface Compiled {
  readonly cfg: LocalRateLimitConfig;
  readonly bucket: TokenBucket | undefined;
  readonly status: number;
  readonly stats: ScopedStats;
}

function compile(raw: TypedConfig, path: string, store: StatsStore): Compiled {
  const cfg = unwrapTypedStruct(raw, path) as LocalRateLimitConfig;
  if (!cfg.stat_prefix) throw new Error(`${path}.stat_prefix: required`);
  if (cfg.local_rate_limit_per_downstream_connection) {
    throw new Error(`${path}.local_rate_limit_per_downstream_connection: not supported`);
  }
  const tb = cfg.token_bucket;
  let bucket: TokenBucket | undefined;
  if (tb) {
    const intervalMs = parseDurationMs(tb.fill_interval, 0);
    if (intervalMs < 50) {
      throw new Error(`${path}.token_bucket.fill_interval: must be at least 50ms`);
    }
    if (!tb.max_tokens) throw new Error(`${path}.token_bucket.max_tokens: must be > 0`);
    bucket = new TokenBucket(tb.max_tokens, tb.tokens_per_fill ?? 1, intervalMs);
  }
  const code = cfg.status?.code;
  const status = typeof code === "number" ? code : code ? (STATUS[code] ?? Number(code)) : 429;
  if (!(status >= 400 && status < 600)) throw new Error(`${path}.status.code: must be 4xx or 5xx`);
  const stats = new ScopedStats(store, { prefix: cfg.stat_prefix });
  return { cfg, bucket, status, stats };
}

class LocalRateLimitFilter implements HttpFilter {
  readonly name: string;
  private readonly base: Compiled;
  private readonly path: string;
  private readonly store: StatsStore;
  /** A route's config keeps one bucket for the life of the route table that holds it. */
  private readonly perRoute = new WeakMap<TypedConfig, Compiled>();

  constructor(name: string, base: Compiled, path: string, store: StatsStore) {
    this.name = name;
    this.base = base;
    this.path = path;
    this.store = store;
  }

  private forRoute(raw: TypedConfig): Compiled {
    let c = this.perRoute.get(raw);
    if (!c) {
      c = compile(raw, `${this.path} (typed_per_filter_config)`, this.store);
      this.perRoute.set(raw, c);
    }
    return c;
  }

  decodeHeaders(s: HttpStream, perRouteRaw: TypedConfig | undefined): FilterResult {
    const c = perRouteRaw ? this.forRoute(perRouteRaw) : this.base;
    const { cfg, bucket, stats } = c;
    if (!bucket || !fractionOrNone(cfg.filter_enabled)) return undefined;
    stats.counter("http_local_rate_limit.enabled").inc();
    const allowed = bucket.consume();
    if (cfg.enable_x_ratelimit_headers === "DRAFT_VERSION_03") {
      const remaining = bucket.remaining();
      const reset = bucket.resetSeconds();
      s.responseHooks.push((h) => {
        h.set("x-ratelimit-limit", String(bucket.max));
        h.set("x-ratelimit-remaining", String(remaining));
        h.set("x-ratelimit-reset", String(reset));
      });
    }
    if (allowed) {
      stats.counter("http_local_rate_limit.ok").inc();
      return undefined;
    }
    stats.counter("http_local_rate_limit.rate_limited").inc();
    if (!fractionOrNone(cfg.filter_enforced)) {
      applyHeaderOps(s.headers, cfg.request_headers_to_add_when_not_enforced, undefined);
      return undefined;
    }
    stats.counter("http_local_rate_limit.enforced").inc();
    const headers = new HeaderMap();
    applyHeaderOps(headers, cfg.response_headers_to_add, undefined);
    return {
      status: c.status,
      body: "local_rate_limited",
      headers,
      flag: "RL",
      details: "local_rate_limited",
    };
  }
}

/** filter_enabled / filter_enforced: Envoy treats an absent fraction as 0% ("for safety"). */
function fractionOrNone(f: RuntimeFractionalPercent | undefined): boolean {
  return f?.default_value !== undefined && fractionHit(f);
}

export const localRateLimitFilter: HttpFilterFactory = {
  typeUrl: TYPE_URL.LOCAL_RATELIMIT,
  create: (name, config, path, ctx) =>
    new LocalRateLimitFilter(name, compile(config, path, ctx.stats), path, ctx.stats),
};
