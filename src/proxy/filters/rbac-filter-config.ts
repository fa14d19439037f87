// What the HTTP and network RBAC filters share: their config (enforced rules, shadow rules and
// the stat prefixes of each), one decision per request or connection with Envoy's stats
// (`<scope>rbac.<prefix>allowed`, `…shadow_denied`, `logged`…) and the dynamic metadata the
// shadow engine leaves for ext_authz and access logs.

import type { StatScope, StatsStore } from "../../telemetry/stats.ts";
import {
  type CompiledRbac,
  compileRbac,
  evaluate,
  type RbacRequest,
  type RbacRulesConfig,
} from "./rbac-engine.ts";

export interface RbacFilterConfig {
  rules?: RbacRulesConfig;
  shadow_rules?: RbacRulesConfig;
  rules_stat_prefix?: string;
  shadow_rules_stat_prefix?: string;
  stat_prefix?: string;
}

export interface CompiledRbacFilter {
  readonly rules: CompiledRbac | undefined;
  readonly shadow: CompiledRbac | undefined;
  readonly rulesPrefix: string;
  readonly shadowPrefix: string;
}

export function compileRbacFilter(c: RbacFilterConfig, path: string): CompiledRbacFilter {
  return {
    rules: c.rules ? compileRbac(c.rules, `${path}.rules`) : undefined,
    shadow: c.shadow_rules ? compileRbac(c.shadow_rules, `${path}.shadow_rules`) : undefined,
    rulesPrefix: c.rules_stat_prefix ?? "",
    shadowPrefix: c.shadow_rules_stat_prefix ?? "",
  };
}

export interface RbacDecision {
  readonly allowed: boolean;
  /** The enforced policy that decided (matched), for response details. */
  readonly policyId: string | undefined;
}

/**
 * Evaluates shadow rules (recording, never enforcing) and then the rules. `metadata` receives
 * the filter's dynamic metadata (Envoy's keys under the filter's namespace).
 */
export function decide(
  f: CompiledRbacFilter,
  req: RbacRequest,
  stats: StatsStore,
  scope: StatScope,
  metadata: Record<string, unknown>,
): RbacDecision {
  const count = (name: string) => stats.counter(scope, `rbac.${name}`).inc();
  if (f.shadow) {
    const s = evaluate(f.shadow, req);
    count(`${f.shadowPrefix}${s.allowed ? "shadow_allowed" : "shadow_denied"}`);
    if (s.policyId) metadata[`${f.shadowPrefix}shadow_effective_policy_id`] = s.policyId;
    metadata[`${f.shadowPrefix}shadow_engine_result`] = s.allowed ? "allowed" : "denied";
  }
  if (!f.rules) return { allowed: true, policyId: undefined };
  const r = evaluate(f.rules, req);
  if (f.rules.action === "LOG") {
    count(`${f.rulesPrefix}${r.policyId ? "logged" : "not_logged"}`);
    metadata.access_log_hint = r.policyId !== undefined;
    return { allowed: true, policyId: r.policyId };
  }
  count(`${f.rulesPrefix}${r.allowed ? "allowed" : "denied"}`);
  return r;
}
