// The mTLS mode a workload's inbound side enforces, composed as Istio's
// authn.ComposePeerAuthentication does: the root namespace's policy, overridden by the
// namespace's, overridden by the workload's; UNSET inherits from the level above, and
// port-level modes apply to their port only. Nothing set anywhere means PERMISSIVE.

import type { MutualTLSMode, PeerAuthenticationSpec } from "../api/types/security.ts";
import type { ApplicablePolicies } from "./policies.ts";

export type EffectiveMode = Exclude<MutualTLSMode, "UNSET">;

export interface EffectivePeerAuthentication {
  readonly mode: EffectiveMode;
  /** Ports whose mode differs from the workload's, by target port. */
  readonly perPort: ReadonlyMap<number, EffectiveMode>;
}

const set = (m: MutualTLSMode | undefined): m is EffectiveMode => m !== undefined && m !== "UNSET";

export function composePeerAuthentication(p: ApplicablePolicies): EffectivePeerAuthentication {
  let mode: EffectiveMode = "PERMISSIVE";
  // Istio takes the oldest policy when several sit at one level; the lists are in store order.
  for (const level of [p.root, p.namespace]) {
    const m = (level[0]?.spec as PeerAuthenticationSpec | undefined)?.mtls?.mode;
    if (set(m)) mode = m;
  }
  const workload = p.workload[0]?.spec as PeerAuthenticationSpec | undefined;
  if (set(workload?.mtls?.mode)) mode = workload.mtls.mode;
  const perPort = new Map<number, EffectiveMode>();
  for (const [port, v] of Object.entries(workload?.portLevelMtls ?? {})) {
    // A port-level UNSET inherits the workload's mode.
    perPort.set(Number(port), set(v.mode) ? v.mode : mode);
  }
  return { mode, perPort };
}
