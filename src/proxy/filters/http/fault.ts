// envoy.filters.http.fault: delays and aborts (HTTP status or gRPC status), by percentage, with
// the x-envoy-fault-* header overrides off (as Istio configures it). Sets DI and FI flags.

import { TYPE_URL } from "../../../envoy/index.ts";
import type { TypedConfig } from "../../config-types.ts";
import { parseDurationMs } from "../../duration.ts";
import { HeaderMap } from "../../http/headers.ts";
import type { HttpStream } from "../../http/stream.ts";
import type { FilterResult, HttpFilter, HttpFilterFactory } from "./filter.ts";

interface Percent {
  numerator?: number;
  denominator?: string;
}

interface FaultConfig {
  delay?: { fixed_delay?: string; percentage?: Percent };
  abort?: { http_status?: number; grpc_status?: number; percentage?: Percent };
  headers?: unknown[];
}

const DENOM: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

function hit(p: Percent | undefined): boolean {
  if (!p) return true;
  const d = DENOM[p.denominator ?? "HUNDRED"] ?? 100;
  return Math.random() * d < (p.numerator ?? 0);
}

function parse(cfg: FaultConfig, path: string) {
  const delayMs = cfg.delay?.fixed_delay ? parseDurationMs(cfg.delay.fixed_delay, 0) : undefined;
  if (cfg.delay && delayMs === undefined) throw new Error(`${path}.delay: fixed_delay is required`);
  const status = cfg.abort?.http_status;
  if (status !== undefined && (status < 200 || status >= 600)) {
    throw new Error(`${path}.abort.http_status: must be in 200..599, got ${status}`);
  }
  return { cfg, delayMs };
}

class FaultFilter implements HttpFilter {
  readonly name: string;
  private readonly base: ReturnType<typeof parse>;
  private readonly path: string;
  constructor(name: string, base: ReturnType<typeof parse>, path: string) {
    this.name = name;
    this.base = base;
    this.path = path;
  }

  async decodeHeaders(s: HttpStream, perRoute: TypedConfig | undefined): Promise<FilterResult> {
    const { cfg, delayMs } = perRoute ? parse(perRoute as FaultConfig, this.path) : this.base;
    if (delayMs !== undefined && hit(cfg.delay?.percentage)) {
      s.flags.add("DI");
      await new Promise((r) => setTimeout(r, delayMs));
    }
    const abort = cfg.abort;
    if (abort && hit(abort.percentage)) {
      if (abort.grpc_status !== undefined) {
        const h = new HeaderMap();
        h.set("content-type", "application/grpc");
        h.set("grpc-status", String(abort.grpc_status));
        h.set("grpc-message", "fault filter abort");
        return { status: 200, headers: h, flag: "FI", details: "fault_filter_abort" };
      }
      if (abort.http_status !== undefined) {
        return {
          status: abort.http_status,
          body: "fault filter abort",
          flag: "FI",
          details: "fault_filter_abort",
        };
      }
    }
    return undefined;
  }
}

export const faultFilter: HttpFilterFactory = {
  typeUrl: TYPE_URL.FAULT,
  create: (name, config, path) => new FaultFilter(name, parse(config as FaultConfig, path), path),
};
