// DestinationRule semantics (istio ValidateDestinationRule): host, traffic policy, subsets
// (unique DNS-label names, valid labels), exportTo and workload selector.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { DestinationRuleSpec } from "../types/destination-rule.ts";
import { checkExportTo, checkWorkloadSelector, errs } from "./common.ts";
import { isDNS1123Label, validateLabels, validateWildcardDomain } from "./names.ts";
import { validateTrafficPolicy } from "./traffic-policy.ts";

export function validateDestinationRule(r: Resource<DestinationRuleSpec>, report: Report): void {
  const dr = r.spec;
  errs(report, "spec.host", validateWildcardDomain(dr.host ?? ""));
  validateTrafficPolicy(dr.trafficPolicy, "spec.trafficPolicy", report);
  const names = new Set<string>();
  dr.subsets?.forEach((s, i) => {
    const p = `spec.subsets[${i}]`;
    if (!s) {
      report.error(p, "subset may not be null");
      return;
    }
    if (names.has(s.name)) report.error(`${p}.name`, `duplicate subset names: ${s.name}`);
    names.add(s.name);
    if (!s.name) report.error(`${p}.name`, "subset name cannot be empty");
    else if (!isDNS1123Label(s.name))
      report.error(`${p}.name`, `subset name is invalid: ${s.name}`);
    errs(report, `${p}.labels`, ...validateLabels(s.labels));
    validateTrafficPolicy(s.trafficPolicy, `${p}.trafficPolicy`, report);
  });
  checkExportTo(r.metadata.namespace, dr.exportTo, report, {
    drWithSelector: dr.workloadSelector !== undefined,
  });
  checkWorkloadSelector(dr.workloadSelector, "spec.workloadSelector", report);
}
