// Gateway API kinds, where Istio checks more than the CRD does when translating them: regular
// expression matches of HTTPRoute and GRPCRoute must be RE2 (Envoy's safe_regex).

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { GRPCRouteSpec, HTTPRouteSpec } from "../types/gateway-api-routes.ts";
import { errs, validateRegex } from "./common.ts";

type Match = { type?: string; value?: string };

function checkRegex(m: Match | undefined, p: string, where: string, report: Report): void {
  if (m?.type === "RegularExpression" && m.value !== undefined)
    errs(report, p, validateRegex(m.value, where));
}

export function validateKubeHTTPRoute(r: Resource<HTTPRouteSpec>, report: Report): void {
  r.spec.rules?.forEach((rule, i) => {
    rule?.matches?.forEach((m, j) => {
      const p = `spec.rules[${i}].matches[${j}]`;
      checkRegex(m.path, `${p}.path.value`, "path", report);
      m.headers?.forEach((h, k) => {
        checkRegex(h, `${p}.headers[${k}].value`, "headers", report);
      });
      m.queryParams?.forEach((q, k) => {
        checkRegex(q, `${p}.queryParams[${k}].value`, "queryParams", report);
      });
    });
  });
}

export function validateKubeGRPCRoute(r: Resource<GRPCRouteSpec>, report: Report): void {
  r.spec.rules?.forEach((rule, i) => {
    rule?.matches?.forEach((m, j) => {
      const p = `spec.rules[${i}].matches[${j}]`;
      const method = m.method;
      if (method?.type === "RegularExpression") {
        if (method.service)
          errs(report, `${p}.method.service`, validateRegex(method.service, "method.service"));
        if (method.method)
          errs(report, `${p}.method.method`, validateRegex(method.method, "method.method"));
      }
      m.headers?.forEach((h, k) => {
        checkRegex(h, `${p}.headers[${k}].value`, "headers", report);
      });
    });
  });
}
