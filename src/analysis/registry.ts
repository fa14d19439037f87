// Every analyzer Mast ships, under Istio's names. The default set is what `mast analyze` runs
// without `--analyzer`; the others run only when named.

import type { Analyzer } from "./analyzer.ts";
import { alphaAnnotationsAnalyzer } from "./analyzers/annotations/alpha.ts";
import { k8sAnnotationsAnalyzer } from "./analyzers/annotations/k8s.ts";
import { blockedCidrsAnalyzer } from "./analyzers/authn/blocked-cidrs.ts";
import { authorizationPoliciesAnalyzer } from "./analyzers/authz/authorization-policies.ts";
import { conditionAnalyzer } from "./analyzers/conditions/conditions.ts";
import { applicationUidAnalyzer } from "./analyzers/deployment/application-uid.ts";
import { multiServiceAnalyzer } from "./analyzers/deployment/multi-service.ts";
import { deprecationAnalyzer } from "./analyzers/deprecation/deprecation.ts";
import { caCertificateAnalyzer } from "./analyzers/destinationrule/ca-certificate.ts";
import { subsetSelectPodAnalyzer } from "./analyzers/destinationrule/subset-select-pod.ts";
import { envoyPatchAnalyzer } from "./analyzers/envoyfilter/envoy-patch.ts";
import { certificateAnalyzer } from "./analyzers/gateway/certificate.ts";
import { conflictingGatewayAnalyzer } from "./analyzers/gateway/conflicting-gateway.ts";
import { ingressGatewayPortAnalyzer } from "./analyzers/gateway/ingress-gateway-port.ts";
import { secretAnalyzer } from "./analyzers/gateway/secret.ts";
import { imageAnalyzer } from "./analyzers/injection/image.ts";
import { imageAutoAnalyzer } from "./analyzers/injection/image-auto.ts";
import { injectionAnalyzer } from "./analyzers/injection/injection.ts";
import { crdVersionAnalyzer } from "./analyzers/k8sgateway/crd-version.ts";
import { k8sGatewaySelectorAnalyzer } from "./analyzers/k8sgateway/selector.ts";
import { meshNetworksAnalyzer } from "./analyzers/meshnetworks/meshnetworks.ts";
import { multiClusterServiceAnalyzer } from "./analyzers/multicluster/service.ts";
import { schemaValidationAnalyzers } from "./analyzers/schema/validation.ts";
import { portNameAnalyzer } from "./analyzers/service/port-name.ts";
import { conflictingServiceEntryProtocolAnalyzer } from "./analyzers/serviceentry/conflicting-protocol.ts";
import { protocolAddressesAnalyzer } from "./analyzers/serviceentry/protocol-addresses.ts";
import { sidecarDefaultSelectorAnalyzer } from "./analyzers/sidecar/default-selector.ts";
import { sidecarSelectorAnalyzer } from "./analyzers/sidecar/selector.ts";
import { telemetryProviderAnalyzer } from "./analyzers/telemetry/provider.ts";
import {
  telemetryDefaultSelectorAnalyzer,
  telemetrySelectorAnalyzer,
} from "./analyzers/telemetry/selector.ts";
import { conflictingMeshGatewayHostsAnalyzer } from "./analyzers/virtualservice/conflicting-mesh-gateway-hosts.ts";
import { destinationHostAnalyzer } from "./analyzers/virtualservice/destination-host.ts";
import { destinationRuleAnalyzer } from "./analyzers/virtualservice/destination-rule.ts";
import { gatewayAnalyzer } from "./analyzers/virtualservice/gateway.ts";
import { jwtClaimRouteAnalyzer } from "./analyzers/virtualservice/jwt-claim-route.ts";
import { externalControlPlaneAnalyzer } from "./analyzers/webhook/external-control-plane.ts";
import { webhookAnalyzer } from "./analyzers/webhook/webhook.ts";

export const ANALYZERS: readonly Analyzer[] = [
  conditionAnalyzer,
  crdVersionAnalyzer,
  k8sGatewaySelectorAnalyzer,
  meshNetworksAnalyzer,
  blockedCidrsAnalyzer,
  envoyPatchAnalyzer,
  authorizationPoliciesAnalyzer,
  deprecationAnalyzer,
  externalControlPlaneAnalyzer,
  webhookAnalyzer,
  k8sAnnotationsAnalyzer,
  alphaAnnotationsAnalyzer,
  injectionAnalyzer,
  imageAnalyzer,
  telemetryProviderAnalyzer,
  telemetrySelectorAnalyzer,
  telemetryDefaultSelectorAnalyzer,
  applicationUidAnalyzer,
  multiServiceAnalyzer,
  portNameAnalyzer,
  sidecarSelectorAnalyzer,
  caCertificateAnalyzer,
  subsetSelectPodAnalyzer,
  protocolAddressesAnalyzer,
  conflictingServiceEntryProtocolAnalyzer,
  conflictingGatewayAnalyzer,
  ingressGatewayPortAnalyzer,
  secretAnalyzer,
  conflictingMeshGatewayHostsAnalyzer,
  destinationHostAnalyzer,
  destinationRuleAnalyzer,
  gatewayAnalyzer,
  certificateAnalyzer,
  imageAutoAnalyzer,
  jwtClaimRouteAnalyzer,
  multiClusterServiceAnalyzer,
  sidecarDefaultSelectorAnalyzer,
  ...schemaValidationAnalyzers,
];

const byName = new Map(ANALYZERS.map((a) => [a.name, a]));

export function findAnalyzer(name: string): Analyzer | undefined {
  return byName.get(name);
}

export function defaultAnalyzers(): Analyzer[] {
  return ANALYZERS.filter((a) => a.defaultSet !== false);
}
