// PeerAuthentication semantics (istio ValidatePeerAuthentication): port-level mTLS only with a
// workload selector, valid ports, selector labels.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { PeerAuthenticationSpec } from "../types/security.ts";
import { checkWorkloadSelector } from "./common.ts";

export function validatePeerAuthentication(
  r: Resource<PeerAuthenticationSpec>,
  report: Report,
): void {
  const pa = r.spec;
  const emptySelector = Object.keys(pa.selector?.matchLabels ?? {}).length === 0;
  const ports = pa.portLevelMtls;
  if (ports !== undefined) {
    const keys = Object.keys(ports ?? {});
    if (emptySelector && keys.length > 0) {
      report.error(
        "spec.portLevelMtls",
        "mesh/namespace peer authentication cannot have port level mTLS",
      );
    }
    if (keys.length === 0) {
      report.error(
        "spec.portLevelMtls",
        "port level mTLS, if defined, must have at least one element",
      );
    }
    for (const k of keys) {
      if (!/^\d+$/.test(k)) {
        report.error(
          `spec.portLevelMtls[${k}]`,
          `type conversion error from "${k}" to port number: port must be in range 1..65535`,
        );
      } else if (Number(k) < 1 || Number(k) > 65535) {
        report.error(`spec.portLevelMtls[${k}]`, "port must be in range 1..65535");
      }
    }
  }
  checkWorkloadSelector(pa.selector, "spec.selector", report);
}
