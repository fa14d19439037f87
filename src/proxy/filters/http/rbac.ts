// envoy.filters.http.rbac: authorizes each request against the RBAC engine after jwt_authn
// (whose payload it reads from dynamic metadata) on the HCM's normalized path. A denial is
// Envoy's local reply: 403 `RBAC: access denied`, response flag RBAC and the matched policy in
// the response code details. RBACPerRoute replaces (or, without `rbac`, disables) the filter.

import { TYPE_URL } from "../../../envoy/index.ts";
import { httpScope } from "../../../telemetry/stats.ts";
import type { TypedConfig } from "../../config-types.ts";
import type { HttpStream } from "../../http/stream.ts";
import type { RbacRequest } from "../rbac-engine.ts";
import {
  type CompiledRbacFilter,
  compileRbacFilter,
  decide,
  type RbacFilterConfig,
} from "../rbac-filter-config.ts";
import type { FilterContext, FilterResult, HttpFilter, HttpFilterFactory } from "./filter.ts";

export const RBAC_METADATA = "envoy.filters.http.rbac";

/** The original client: x-forwarded-for's last entry (what the HCM trusts), else the peer. */
function remoteIp(s: HttpStream): string {
  const xff = s.headers.joined("x-forwarded-for");
  const last = xff?.split(",").at(-1)?.trim();
  return last || s.downstream.remoteAddress;
}

export function httpRbacRequest(s: HttpStream): RbacRequest {
  const q = s.path.search(/[?#]/);
  return {
    remoteAddress: s.downstream.remoteAddress,
    remoteIp: remoteIp(s),
    localAddress: s.downstream.localAddress,
    localPort: s.downstream.localPort,
    sni: s.downstream.sni,
    peerPrincipal: s.downstream.peerPrincipal,
    header: (n) => s.requestHeader(n),
    path: q >= 0 ? s.path.slice(0, q) : s.path,
    metadata: s.dynamicMetadata,
  };
}

class RbacFilter implements HttpFilter {
  readonly name: string;
  private readonly base: CompiledRbacFilter;
  private readonly ctx: FilterContext;
  private readonly path: string;
  private readonly perRoute = new WeakMap<TypedConfig, CompiledRbacFilter | null>();

  constructor(name: string, cfg: TypedConfig, path: string, ctx: FilterContext) {
    this.name = name;
    this.base = compileRbacFilter(cfg as RbacFilterConfig, path);
    this.ctx = ctx;
    this.path = path;
  }

  private routeConfig(perRoute: TypedConfig): CompiledRbacFilter | null {
    let c = this.perRoute.get(perRoute);
    if (c === undefined) {
      const rbac = (perRoute as { rbac?: RbacFilterConfig }).rbac;
      c = rbac ? compileRbacFilter(rbac, `${this.path}(per route)`) : null;
      this.perRoute.set(perRoute, c);
    }
    return c;
  }

  decodeHeaders(s: HttpStream, perRoute: TypedConfig | undefined): FilterResult {
    const cfg = perRoute ? this.routeConfig(perRoute) : this.base;
    if (!cfg) return undefined;
    const md = s.metadataFor(RBAC_METADATA);
    const d = decide(cfg, httpRbacRequest(s), this.ctx.stats, httpScope(this.ctx.statPrefix), md);
    if (d.allowed) return undefined;
    return {
      status: 403,
      body: "RBAC: access denied",
      flag: "RBAC",
      details: `rbac_access_denied_matched_policy[${d.policyId ?? "none"}]`,
    };
  }
}

export const rbacFilter: HttpFilterFactory = {
  typeUrl: TYPE_URL.RBAC,
  create: (name, config, path, ctx) => new RbacFilter(name, config, path, ctx),
};
