// AuthorizationPolicies of one workload → Envoy filters, in Istio's order: CUSTOM (a shadow RBAC
// filter that tags the request, then ext_authz), then AUDIT (action LOG), DENY and ALLOW RBAC
// filters. Policies annotated `istio.io/dry-run: "true"` go into shadow rules (evaluated and
// counted, never enforced). HTTP chains get envoy.filters.http.rbac, TCP chains
// envoy.filters.network.rbac built with HTTP-only fields treated deny-safe.

import type { ExtensionProvider } from "../../../api/mesh-config.ts";
import type { AuthorizationPolicy } from "../../../api/types/index.ts";
import { TYPE_URL } from "../../../envoy/index.ts";
import { type Json, typed } from "../common.ts";
import {
  type BuiltExtAuthz,
  EXT_AUTHZ_PREFIX,
  extAuthzFor,
  type ServiceResolver,
} from "./ext-authz.ts";
import { MATCH_NEVER, type RbacAction, rulePolicy } from "./rule-model.ts";
import type { TrustDomainBundle } from "./trust-domain.ts";

export interface AuthzContext {
  readonly trustDomains: TrustDomainBundle;
  readonly extensionProviders: readonly ExtensionProvider[];
  readonly resolveService: ServiceResolver;
}

const HTTP_RBAC = "envoy.filters.http.rbac";
const NETWORK_RBAC = "envoy.filters.network.rbac";
const DRY_RUN_ALLOW = "istio_dry_run_allow_";
const DRY_RUN_DENY = "istio_dry_run_deny_";
const EXT_AUTHZ_STAT = "istio_ext_authz_";
const BAD_CUSTOM = "-deny-due-to-bad-CUSTOM-action";

type Policies = Record<string, Json>;

function isDryRun(p: AuthorizationPolicy): boolean {
  const v = p.metadata.annotations?.["istio.io/dry-run"];
  return v !== undefined && ["1", "t", "T", "true", "TRUE", "True"].includes(v);
}

function policyName(p: AuthorizationPolicy, i: number, provider?: string): string {
  const prefix = provider !== undefined ? `${EXT_AUTHZ_PREFIX}-${provider}-` : "";
  return `${prefix}ns[${p.metadata.namespace ?? "default"}]-policy[${p.metadata.name}]-rule[${i}]`;
}

/** Adds each rule of `p` to `into`; rules that cannot be built for this chain are skipped. */
function addRules(
  into: Policies,
  p: AuthorizationPolicy,
  action: RbacAction,
  forTCP: boolean,
  ctx: AuthzContext,
  provider?: string,
): void {
  const rules = p.spec.rules ?? [];
  if (rules.length === 0) {
    into[policyName(p, 0, provider)] = MATCH_NEVER;
    return;
  }
  const rctx = {
    policyNamespace: p.metadata.namespace ?? "default",
    trustDomains: ctx.trustDomains,
  };
  rules.forEach((rule, i) => {
    try {
      into[policyName(p, i, provider)] = rulePolicy(rule ?? {}, rctx, forTCP, action);
    } catch {
      // Istio skips such a rule: for ALLOW that grants less, for DENY the rule cannot be built.
    }
  });
}

function rbacConfig(action: RbacAction, policies: Policies): Json {
  const out: Json = {};
  if (action !== "ALLOW") out.action = action;
  if (Object.keys(policies).length > 0) out.policies = policies;
  return out;
}

interface Built {
  readonly rules?: Json;
  readonly shadowRules?: Json;
  readonly shadowAction?: RbacAction;
}

function build(
  policies: readonly AuthorizationPolicy[],
  action: RbacAction,
  forTCP: boolean,
  ctx: AuthzContext,
): Built | undefined {
  if (policies.length === 0) return undefined;
  const enforce: Policies = {};
  const shadow: Policies = {};
  let hasEnforce = false;
  let hasShadow = false;
  for (const p of policies) {
    const dry = isDryRun(p);
    if (dry) hasShadow = true;
    else hasEnforce = true;
    addRules(dry ? shadow : enforce, p, action, forTCP, ctx);
  }
  return {
    rules: hasEnforce ? rbacConfig(action, enforce) : undefined,
    shadowRules: hasShadow ? rbacConfig(action, shadow) : undefined,
    shadowAction: hasShadow ? action : undefined,
  };
}

function rbacFilter(b: Built, forTCP: boolean): Json {
  const cfg: Json = {};
  if (b.rules) cfg.rules = b.rules;
  if (b.shadowRules) cfg.shadow_rules = b.shadowRules;
  // Istio names the shadow stats after the shadow action (none → ALLOW's prefix).
  const prefix =
    b.shadowAction === "DENY" ? DRY_RUN_DENY : b.shadowAction === "LOG" ? "" : DRY_RUN_ALLOW;
  if (prefix) cfg.shadow_rules_stat_prefix = prefix;
  if (forTCP) cfg.stat_prefix = "tcp.";
  return wrapRbac(cfg, forTCP);
}

function wrapRbac(cfg: Json, forTCP: boolean): Json {
  return forTCP
    ? { name: NETWORK_RBAC, typed_config: typed(TYPE_URL.NETWORK_RBAC, cfg) }
    : { name: HTTP_RBAC, typed_config: typed(TYPE_URL.RBAC, cfg) };
}

/** AUDIT, DENY and ALLOW RBAC filters (CUSTOM is separate: see customFilters). */
export function rbacFilters(
  policies: readonly AuthorizationPolicy[],
  forTCP: boolean,
  ctx: AuthzContext,
): Json[] {
  const by = (a: string) => policies.filter((p) => (p.spec.action ?? "ALLOW") === a);
  const out: Json[] = [];
  for (const [a, action] of [
    ["AUDIT", "LOG"],
    ["DENY", "DENY"],
    ["ALLOW", "ALLOW"],
  ] as const) {
    const b = build(by(a), action, forTCP, ctx);
    if (b) out.push(rbacFilter(b, forTCP));
  }
  return out;
}

function badCustom(policies: Policies, forTCP: boolean): Json {
  const renamed: Policies = {};
  for (const [k, v] of Object.entries(policies)) renamed[k + BAD_CUSTOM] = v;
  const cfg: Json = { rules: rbacConfig("DENY", renamed) };
  if (forTCP) cfg.stat_prefix = "tcp.";
  return wrapRbac(cfg, forTCP);
}

/**
 * CUSTOM policies: per provider, an RBAC filter whose shadow rules tag matching requests and the
 * provider's ext_authz filter that acts on the tag. A provider that cannot be used (unknown,
 * invalid, or more than one per workload) turns its rules into DENY rules instead: failing
 * closed.
 */
export function customFilters(
  policies: readonly AuthorizationPolicy[],
  forTCP: boolean,
  ctx: AuthzContext,
): Json[] {
  const custom = policies.filter((p) => p.spec.action === "CUSTOM");
  const byProvider = new Map<string, { enforce: Policies; dryRun: Policies }>();
  for (const p of custom) {
    const name = p.spec.provider?.name ?? "";
    const e = byProvider.get(name) ?? { enforce: {}, dryRun: {} };
    byProvider.set(name, e);
    addRules(isDryRun(p) ? e.dryRun : e.enforce, p, "DENY", forTCP, ctx, name);
  }
  const providers = [...byProvider.keys()].sort();
  if (providers.length > 1)
    return providers.map((n) => badCustom(byProvider.get(n)!.enforce, forTCP));
  const out: Json[] = [];
  for (const name of providers) {
    const { enforce, dryRun } = byProvider.get(name)!;
    let ext: BuiltExtAuthz;
    try {
      ext = extAuthzFor(ctx.extensionProviders, name, ctx.resolveService);
    } catch {
      out.push(badCustom(enforce, forTCP));
      continue;
    }
    const filter = forTCP ? ext.tcp : ext.http;
    if (!filter) continue; // an HTTP provider has nothing to say about TCP traffic
    const cfg: Json = {};
    if (Object.keys(dryRun).length > 0) cfg.rules = rbacConfig("DENY", dryRun);
    cfg.shadow_rules = rbacConfig("DENY", enforce);
    cfg.shadow_rules_stat_prefix = EXT_AUTHZ_STAT;
    if (forTCP) cfg.stat_prefix = "tcp.";
    out.push(wrapRbac(cfg, forTCP), filter);
  }
  return out;
}

/** Every authorization filter of a chain, in order. */
export function authzFilters(
  policies: readonly AuthorizationPolicy[],
  forTCP: boolean,
  ctx: AuthzContext,
): Json[] {
  return [...customFilters(policies, forTCP, ctx), ...rbacFilters(policies, forTCP, ctx)];
}
