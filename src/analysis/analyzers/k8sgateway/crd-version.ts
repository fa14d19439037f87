// k8sgateway.CRDVersionAnalyzer: Gateway API CRDs older than Istio requires are ignored by
// istiod, so resources of that kind would silently do nothing.

import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";

const BUNDLE_VERSION = "gateway.networking.k8s.io/bundle-version";

/** Minimum bundle version per CRD name (Istio's gatewayapi.MinimumCRDVersions). */
const MINIMUM: Record<string, [number, number, number]> = {
  "grpcroutes.gateway.networking.k8s.io": [1, 1, 0],
  "backendtlspolicies.gateway.networking.k8s.io": [1, 4, 0],
  "tlsroutes.gateway.networking.k8s.io": [1, 5, 0],
};

const SEMVER = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export const crdVersionAnalyzer: Analyzer = {
  name: "k8sgateway.CRDVersionAnalyzer",
  description: "Checks Gateway API CRDs are at the minimum version required by this Istio version",
  inputs: [K.CRD],
  analyze(ctx) {
    for (const r of ctx.snapshot.list(K.CRD)) {
      const minimum = MINIMUM[r.metadata.name];
      const bundle = r.metadata.annotations?.[BUNDLE_VERSION];
      if (!minimum || bundle === undefined) continue;
      const m = SEMVER.exec(bundle);
      if (!m) continue;
      // Pre-release tags are ignored: v1.5.0-rc.1 satisfies a 1.5.0 minimum.
      const installed = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
      const below = compare(installed, minimum) < 0;
      if (below)
        ctx.report(
          r,
          "GatewayAPICRDVersionBelowMinimum",
          r.metadata.name,
          bundle.replace(/^v/, ""),
          minimum.join("."),
        );
    }
  },
};

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
