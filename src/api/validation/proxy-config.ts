// ProxyConfig semantics (istio ValidateProxyConfig): selector labels and a non-negative
// concurrency.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { ProxyConfigSpec } from "../types/envoy-filter.ts";
import { checkWorkloadSelector } from "./common.ts";

export function validateProxyConfig(r: Resource<ProxyConfigSpec>, report: Report): void {
  checkWorkloadSelector(r.spec.selector, "spec.selector", report);
  if ((r.spec.concurrency ?? 0) < 0) {
    report.error("spec.concurrency", "concurrency must be greater than or equal to 0");
  }
}
