// Envoy's response flags: short codes recorded per request/connection that say why it ended the
// way it did (no route, no healthy upstream, timeout…). Printed in Envoy's order, comma-joined.

/** Short code → Envoy's long name, in the order Envoy prints them. */
export const RESPONSE_FLAGS = {
  LH: "FailedLocalHealthCheck",
  UH: "NoHealthyUpstream",
  UT: "UpstreamRequestTimeout",
  LR: "LocalReset",
  UR: "UpstreamRemoteReset",
  UF: "UpstreamConnectionFailure",
  UC: "UpstreamConnectionTermination",
  UO: "UpstreamOverflow",
  NR: "NoRouteFound",
  DI: "DelayInjected",
  FI: "FaultInjected",
  RL: "RateLimited",
  UAEX: "UnauthorizedExternalService",
  RLSE: "RateLimitServiceError",
  DC: "DownstreamConnectionTermination",
  URX: "UpstreamRetryLimitExceeded",
  SI: "StreamIdleTimeout",
  IH: "InvalidEnvoyRequestHeaders",
  DPE: "DownstreamProtocolError",
  UMSDR: "UpstreamMaxStreamDurationReached",
  RFCF: "ResponseFromCacheFilter",
  NFCF: "NoFilterConfigFound",
  DT: "DurationTimeout",
  UPE: "UpstreamProtocolError",
  NC: "NoClusterFound",
  OM: "OverloadManager",
  DF: "DnsResolutionFailed",
  DO: "DropOverload",
  RBAC: "UnauthorizedRBAC",
} as const;

export type ResponseFlag = keyof typeof RESPONSE_FLAGS;

const ORDER = Object.keys(RESPONSE_FLAGS) as ResponseFlag[];

/** The set of flags one request or connection collected. */
export class ResponseFlags {
  private readonly set = new Set<ResponseFlag>();

  add(flag: ResponseFlag): void {
    this.set.add(flag);
  }

  has(flag: ResponseFlag): boolean {
    return this.set.has(flag);
  }

  get size(): number {
    return this.set.size;
  }

  /** "-" when empty, as in Envoy's access log. */
  toString(): string {
    if (this.set.size === 0) return "-";
    return ORDER.filter((f) => this.set.has(f)).join(",");
  }
}
