// Kind ids the analyzers read, and kinds the API layer does not model but analysis still needs
// to see (CRDs, validating webhooks, mesh config): those get a local KindInfo so they can be
// indexed and named in messages like any other resource.

import type { KindInfo } from "../api/kinds.ts";
import { KIND } from "../api/types/index.ts";

/** The API layer's kind ids (KIND) plus the analysis-only kinds below. */
export const K = {
  ...KIND,
  // Istio's analyzers call the Gateway API Gateway this.
  K8sGateway: KIND.KubeGateway,
  MutatingWebhook: "MutatingWebhookConfiguration.admissionregistration.k8s.io",
  ValidatingWebhook: "ValidatingWebhookConfiguration.admissionregistration.k8s.io",
  CRD: "CustomResourceDefinition.apiextensions.k8s.io",
  MeshConfig: "MeshConfig",
  MeshNetworks: "MeshNetworks",
} as const;

const localKinds = new Map<string, KindInfo>();

/** A KindInfo for a kind outside the API layer's list, so analysis can still index it. */
export function localKind(group: string, kind: string, namespaced = true): KindInfo {
  const id = group ? `${kind}.${group}` : kind;
  let info = localKinds.get(id);
  if (!info) {
    info = {
      id,
      kind,
      group,
      versions: [],
      plural: `${kind.toLowerCase()}s`,
      namespaced,
      shortNames: [],
      crd: false,
    };
    localKinds.set(id, info);
  }
  return info;
}
