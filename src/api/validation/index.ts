// Istio's semantic checks, the ones the CRD schemas cannot express: one pure function per kind,
// registered here by kind id. Each writes errors and warnings, with field paths, to the Report.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import { KIND } from "../types/index.ts";
import { validateAuthorizationPolicy } from "./authorization-policy.ts";
import { validateDestinationRule } from "./destination-rule.ts";
import { validateEnvoyFilter } from "./envoy-filter.ts";
import { validateGateway } from "./gateway.ts";
import { validateKubeGRPCRoute, validateKubeHTTPRoute } from "./gateway-api.ts";
import { validateService } from "./kubernetes.ts";
import { validatePeerAuthentication } from "./peer-authentication.ts";
import { validateProxyConfig } from "./proxy-config.ts";
import { validateRequestAuthentication } from "./request-authentication.ts";
import { validateServiceEntry } from "./service-entry.ts";
import { validateSidecar } from "./sidecar.ts";
import { validateTelemetry } from "./telemetry.ts";
import { validateVirtualService } from "./virtual-service.ts";
import { validateWasmPlugin } from "./wasm-plugin.ts";
import { validateWorkloadEntry, validateWorkloadGroup } from "./workload-entry.ts";

// biome-ignore lint/suspicious/noExplicitAny: each validator takes its kind's spec type
type Validator = (resource: Resource<any>, report: Report) => void;

/** Validators by kind id (`KindInfo.id`). */
export const VALIDATORS: ReadonlyMap<string, Validator> = new Map<string, Validator>([
  [KIND.VirtualService, validateVirtualService],
  [KIND.DestinationRule, validateDestinationRule],
  [KIND.Gateway, validateGateway],
  [KIND.ServiceEntry, validateServiceEntry],
  [KIND.Sidecar, validateSidecar],
  [KIND.WorkloadEntry, validateWorkloadEntry],
  [KIND.WorkloadGroup, validateWorkloadGroup],
  [KIND.EnvoyFilter, validateEnvoyFilter],
  [KIND.ProxyConfig, validateProxyConfig],
  [KIND.PeerAuthentication, validatePeerAuthentication],
  [KIND.RequestAuthentication, validateRequestAuthentication],
  [KIND.AuthorizationPolicy, validateAuthorizationPolicy],
  [KIND.Telemetry, validateTelemetry],
  [KIND.WasmPlugin, validateWasmPlugin],
  [KIND.Service, validateService],
  [KIND.HTTPRoute, validateKubeHTTPRoute],
  [KIND.GRPCRoute, validateKubeGRPCRoute],
]);

/**
 * Runs the kind's checks. Structural validation has passed when this runs, but a validator
 * must still never throw on odd input: a crash is reported as an error instead.
 */
export function validateSemantics(resource: Resource, report: Report): void {
  const validate = VALIDATORS.get(resource.kind.id);
  if (!validate) return;
  try {
    validate(resource, report);
  } catch (err) {
    report.error("spec", `internal error while validating: ${(err as Error).message}`);
  }
}
