// Request mirroring (route request_mirror_policies): a copy of the request, body included, goes to
// each mirror cluster with "-shadow" appended to the host, for runtime_fraction of requests.
// Fire and forget: the answer is dropped and nothing about it reaches the main response.

import type { RouteAction, RuntimeFractionalPercent } from "../../config-types.ts";
import type { HttpStream } from "../../http/stream.ts";
import type { ClusterManager } from "../../upstream/cluster-manager.ts";
import type { UpstreamRequest } from "../../upstream/upstream-types.ts";
import type { BufferedBody } from "./buffered-body.ts";

const DENOMINATOR: Record<string, number> = {
  HUNDRED: 100,
  TEN_THOUSAND: 10_000,
  MILLION: 1_000_000,
};

/** Envoy's runtime fraction with no runtime: numerator out of the denominator; absent = always. */
export function fractionHit(f: RuntimeFractionalPercent | undefined): boolean {
  const v = f?.default_value;
  if (!v) return true;
  return Math.random() * (DENOMINATOR[v.denominator ?? "HUNDRED"] ?? 100) < (v.numerator ?? 0);
}

export function mirrorRequest(
  s: HttpStream,
  action: RouteAction,
  clusters: ClusterManager,
  body: BufferedBody | undefined,
  timeoutMs: number,
): void {
  for (const m of action.request_mirror_policies ?? []) {
    if (!fractionHit(m.runtime_fraction)) continue;
    const c = m.cluster ? clusters.get(m.cluster) : undefined;
    const host = c?.pick({ downstream: s.downstream, headers: s.headers });
    if (!c || !host) continue;
    const copy = body ? body.mirror() : null;
    if (body && !copy) continue;
    const headers = s.headers.clone();
    headers.stripHopByHop();
    const authority = m.disable_shadow_host_suffix_append
      ? s.authority
      : s.authority.replace(/^(\[[^\]]*\]|[^:]*)/, "$1-shadow");
    const req: UpstreamRequest = {
      method: s.method,
      path: s.path,
      authority,
      scheme: c.tls ? "https" : "http",
      headers,
      body: copy,
      signal: timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined,
    };
    const pool = c.protocol === "http2" ? c.http2(host) : c.http1(host);
    pool.request(req).then(
      (r) => r.body.resume().on("error", () => undefined),
      () => copy?.destroy(),
    );
  }
}
