// AuthorizationPolicy semantics (istio ValidateAuthorizationPolicy): targeting, the action with
// its rules (CUSTOM needs a provider and supports a subset of fields; DENY needs rules), non-empty
// from/to/source/operation, value formats, condition keys, and the DENY-on-TCP warning.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { AuthorizationPolicySpec, Operation, Source } from "../types/security.ts";
import {
  checkEmptyValues,
  checkPathTemplate,
  validateAttribute,
  validateIPs,
  validatePorts,
} from "./authz-attributes.ts";
import { checkPolicyTargeting, errs } from "./common.ts";

const SOURCE_FIELDS = [
  "principals",
  "notPrincipals",
  "requestPrincipals",
  "notRequestPrincipals",
  "namespaces",
  "notNamespaces",
  "ipBlocks",
  "notIpBlocks",
  "remoteIpBlocks",
  "notRemoteIpBlocks",
  "serviceAccounts",
  "notServiceAccounts",
  "trustDomains",
  "notTrustDomains",
] as const satisfies readonly (keyof Source)[];
/** Source fields that also apply to plain TCP traffic. */
const TCP_SOURCE_FIELDS = new Set<keyof Source>([
  "principals",
  "notPrincipals",
  "namespaces",
  "notNamespaces",
  "ipBlocks",
  "notIpBlocks",
  "remoteIpBlocks",
  "notRemoteIpBlocks",
  "serviceAccounts",
  "notServiceAccounts",
]);
const OPERATION_FIELDS = [
  "hosts",
  "notHosts",
  "ports",
  "notPorts",
  "methods",
  "notMethods",
  "paths",
  "notPaths",
] as const satisfies readonly (keyof Operation)[];
const CUSTOM_UNSUPPORTED = [
  ["namespaces", "From.Namespaces"],
  ["notNamespaces", "From.NotNamespaces"],
  ["principals", "From.Principals"],
  ["notPrincipals", "From.NotPrincipals"],
  ["requestPrincipals", "From.RequestPrincipals"],
  ["notRequestPrincipals", "From.NotRequestPrincipals"],
] as const;

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

export function validateAuthorizationPolicy(
  r: Resource<AuthorizationPolicySpec>,
  report: Report,
): void {
  const ap = r.spec;
  const action = ap.action ?? "ALLOW";
  checkPolicyTargeting(ap, report);
  if (action === "CUSTOM") {
    if (ap.rules === undefined) {
      report.error(
        "spec.rules",
        "CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request",
      );
    } else if (!ap.provider?.name) {
      report.error("spec.provider.name", "`provider.name` must not be empty");
    }
    ap.rules?.forEach((rule, i) => {
      rule?.from?.forEach((f, j) => {
        for (const [field, label] of CUSTOM_UNSUPPORTED) {
          if (f?.source?.[field]?.length) {
            report.error(
              `spec.rules[${i}].from[${j}].source.${field}`,
              `${label} is currently not supported with CUSTOM action`,
            );
          }
        }
      });
      rule?.when?.forEach((w, j) => {
        const key = w?.key ?? "";
        if (
          key === "source.namespace" ||
          key === "source.principal" ||
          key.startsWith("request.auth.")
        ) {
          report.error(
            `spec.rules[${i}].when[${j}].key`,
            `${key} is currently not supported with CUSTOM action`,
          );
        }
      });
    });
  }
  if (ap.provider && action !== "CUSTOM") {
    report.error(
      "spec.provider",
      `\`provider\` must not be with non CUSTOM action, found ${action}`,
    );
  }
  if (action === "DENY" && ap.rules === undefined) {
    report.error(
      "spec.rules",
      "DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request",
    );
  }
  ap.rules?.forEach((rule, i) => {
    const p = `spec.rules[${i}]`;
    if (!rule) {
      report.error(p, `\`rule\` must not be nil, found at rule ${i}`);
      return;
    }
    if (rule.from && rule.from.length === 0)
      report.error(`${p}.from`, `\`from\` must not be empty, found at rule ${i}`);
    let tcpInFrom = false;
    let tcpInTo = false;
    let fromExists = false;
    let toExists = false;
    rule.from?.forEach((f, j) => {
      const fp = `${p}.from[${j}]`;
      if (!f) {
        report.error(fp, `\`from\` must not be nil, found at rule ${i}`);
        return;
      }
      const src = f.source;
      if (!src) {
        report.error(`${fp}.source`, `\`from.source\` must not be nil, found at rule ${i}`);
        return;
      }
      fromExists = true;
      if (!SOURCE_FIELDS.some((k) => src[k]?.length)) {
        report.error(`${fp}.source`, `\`from.source\` must not be empty, found at rule ${i}`);
      }
      for (const k of ["ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks"] as const) {
        errs(report, `${fp}.source.${k}`, validateIPs(src[k]));
      }
      for (const k of SOURCE_FIELDS) {
        errs(report, `${fp}.source.${k}`, checkEmptyValues(cap(k), src[k]));
        if (src[k] !== undefined && TCP_SOURCE_FIELDS.has(k)) tcpInFrom = true;
      }
      if (
        (src.serviceAccounts?.length || src.notServiceAccounts?.length) &&
        (src.principals?.length ||
          src.namespaces?.length ||
          src.notPrincipals?.length ||
          src.notNamespaces?.length)
      ) {
        report.error(`${fp}.source`, "Cannot set serviceAccounts with namespaces or principals");
      }
      for (const k of ["serviceAccounts", "notServiceAccounts"] as const) {
        src[k]?.forEach((sa, n) => {
          if (sa.includes("*"))
            report.error(`${fp}.source.${k}[${n}]`, `wildcard is not supported in ${k}: ${sa}`);
          if (sa.split("/").length > 2)
            report.error(
              `${fp}.source.${k}[${n}]`,
              `invalid service account ${sa}: must be <namespace>/<name> or <name>`,
            );
        });
      }
    });
    if (rule.to && rule.to.length === 0)
      report.error(`${p}.to`, `\`to\` must not be empty, found at rule ${i}`);
    rule.to?.forEach((t, j) => {
      const tp = `${p}.to[${j}]`;
      if (!t) {
        report.error(tp, `\`to\` must not be nil, found at rule ${i}`);
        return;
      }
      const op = t.operation;
      if (!op) {
        report.error(`${tp}.operation`, `\`to.operation\` must not be nil, found at rule ${i}`);
        return;
      }
      toExists = true;
      if (!OPERATION_FIELDS.some((k) => op[k]?.length)) {
        report.error(`${tp}.operation`, `\`to.operation\` must not be empty, found at rule ${i}`);
      }
      errs(report, `${tp}.operation.ports`, validatePorts(op.ports));
      errs(report, `${tp}.operation.notPorts`, validatePorts(op.notPorts));
      for (const k of OPERATION_FIELDS)
        errs(report, `${tp}.operation.${k}`, checkEmptyValues(cap(k), op[k]));
      errs(report, `${tp}.operation.paths`, checkPathTemplate("Paths", op.paths));
      errs(report, `${tp}.operation.notPaths`, checkPathTemplate("NotPaths", op.notPaths));
      if (op.ports !== undefined || op.notPorts !== undefined) tcpInTo = true;
    });
    rule.when?.forEach((c, j) => {
      const cp = `${p}.when[${j}]`;
      const key = c?.key ?? "";
      if (key === "") {
        report.error(`${cp}.key`, "`key` must not be empty");
        return;
      }
      if (!c.values?.length && !c.notValues?.length) {
        report.error(cp, `at least one of \`values\` or \`notValues\` must be set for key ${key}`);
        return;
      }
      if (c.values?.length) {
        const e = validateAttribute(key, c.values);
        if (e) report.error(`${cp}.values`, `invalid \`value\` for \`key\` ${key}: ${e}`);
      }
      if (c.notValues?.length) {
        const e = validateAttribute(key, c.notValues);
        if (e) report.error(`${cp}.notValues`, `invalid \`notValue\` for \`key\` ${key}: ${e}`);
      }
    });
    if (((fromExists && !toExists && !tcpInFrom) || (toExists && !tcpInTo)) && action === "DENY") {
      report.warning(
        p,
        "configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port",
      );
    }
  });
}
