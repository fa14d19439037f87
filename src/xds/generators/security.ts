// The security filters of one workload's server side: jwt_authn (RequestAuthentication) then
// the authorization filters (AuthorizationPolicy) for HTTP chains, and the network RBAC filters
// for TCP chains, from the policies that apply to the workload (selector, namespace, root
// namespace, or a targetRef naming its gateway).

import type { AuthorizationPolicy, RequestAuthentication } from "../../api/types/index.ts";
import { KIND } from "../../api/types/index.ts";
import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { type AuthzContext, authzFilters } from "./authz/builder.ts";
import { trustDomainBundle } from "./authz/trust-domain.ts";
import type { Json } from "./common.ts";
import { jwtAuthnFilter } from "./jwt-authn.ts";

export interface WorkloadSecurity {
  /** HTTP filters placed before the other HTTP filters of an inbound/gateway HCM. */
  readonly http: readonly Json[];
  /** Network filters placed before tcp_proxy. */
  readonly tcp: readonly Json[];
  /** MeshConfig pathNormalization: authorization sees paths as the HCM canonicalizes them. */
  readonly pathNormalization: string | undefined;
}

function selected<T>(proxy: MeshProxy, push: PushContext, kindId: string): T[] {
  const p = push.policiesFor(kindId, proxy);
  return [...p.root, ...p.namespace, ...p.workload] as T[];
}

export function authzContext(push: PushContext): AuthzContext {
  return {
    trustDomains: trustDomainBundle(push.mesh.trustDomain, push.mesh.trustDomainAliases),
    extensionProviders: push.mesh.extensionProviders,
    resolveService: (ns, host) =>
      push.registry.services.find(
        (s) => (s.hostname === host || s.name === host) && (ns === undefined || s.namespace === ns),
      )?.hostname,
  };
}

export function workloadSecurity(proxy: MeshProxy, push: PushContext): WorkloadSecurity {
  const authz = selected<AuthorizationPolicy>(proxy, push, KIND.AuthorizationPolicy);
  const authn = selected<RequestAuthentication>(proxy, push, KIND.RequestAuthentication);
  const ctx = authzContext(push);
  const jwt = jwtAuthnFilter(authn);
  return {
    http: [...(jwt ? [jwt] : []), ...authzFilters(authz, false, ctx)],
    tcp: authzFilters(authz, true, ctx),
    pathNormalization: push.mesh.pathNormalization?.normalization,
  };
}
