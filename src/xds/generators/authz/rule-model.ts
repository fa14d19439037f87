// One AuthorizationPolicy rule as Envoy RBAC permissions and principals, the way Istio's authz
// model builds it: each `to` becomes a permission (AND of its fields, each an OR of its values,
// `not*` negated), each `from` a principal, and `when` conditions join whichever side they
// describe. Fields a TCP chain cannot evaluate fail the rule for ALLOW (grants nothing more) and
// are dropped for DENY/AUDIT (denies more), so a TCP policy never becomes more permissive.

import type { AuthorizationRule } from "../../../api/types/index.ts";
import type { Json } from "../common.ts";
import {
  bracketNames,
  cidrRange,
  containsPathTemplate,
  exactMatcher,
  headerMatcher,
  hostMatcher,
  jwtClaimMatcher,
  jwtStringClaim,
  metadataMatcher,
  orValueMatcher,
  pathTemplateMatcher,
  port,
  quoteMeta,
  regexMatcher,
  SPIFFE_PREFIX,
  stringMatcher,
} from "./matchers.ts";
import {
  expandTrustDomains,
  type TrustDomainBundle,
  withTrustDomainAliases,
} from "./trust-domain.ts";

export type RbacAction = "ALLOW" | "DENY" | "LOG";

type ValueGen = (key: string, value: string, forTCP: boolean) => Json;
type ListGen = (key: string, values: readonly string[], forTCP: boolean) => Json;

interface Entry {
  readonly key: string;
  values: readonly string[];
  notValues: readonly string[];
  /** One matcher per value, OR-ed; or one matcher for the whole list (JWT-based attributes). */
  readonly each?: ValueGen;
  readonly list?: ListGen;
}

const httpOnly = (key: string, forTCP: boolean) => {
  if (forTCP) throw new Error(`${JSON.stringify(key)} is HTTP only`);
};

// --- permissions (what is accessed) ---
const host: ValueGen = (k, v, tcp) => {
  httpOnly(k, tcp);
  return { header: hostMatcher(v) };
};
const method: ValueGen = (k, v, tcp) => {
  httpOnly(k, tcp);
  return { header: headerMatcher(":method", v) };
};
const path: ValueGen = (k, v, tcp): Json => {
  httpOnly(k, tcp);
  if (containsPathTemplate(v)) return { uri_template: pathTemplateMatcher(v) };
  return { url_path: { path: stringMatcher(v) } };
};
const destPort: ValueGen = (_k, v) => ({ destination_port: port(v) });
const destIp: ValueGen = (_k, v) => ({ destination_ip: cidrRange(v) });
const sni: ValueGen = (_k, v) => ({ requested_server_name: stringMatcher(v) });
/** experimental.envoy.filters.a.b[c] → dynamic metadata of filter a.b at key c; `[v]` is a list. */
const envoyMetadata: ListGen = (key, values) => {
  const m = /^experimental\.(envoy\.filters\..+)\[([^[\]]+)\]$/.exec(key);
  if (!m) throw new Error(`invalid key ${JSON.stringify(key)}`);
  const vm = values.map(
    (v): Json =>
      v.startsWith("[") && v.endsWith("]")
        ? { list_match: { one_of: { string_match: stringMatcher(v.slice(1, -1)) } } }
        : { string_match: stringMatcher(v) },
  );
  return { metadata: metadataMatcher(m[1], [m[2]], orValueMatcher(vm)) };
};

// --- principals (who asks) ---
const authenticated = (m: Json): Json => ({ authenticated: { principal_name: m } });
const srcIp: ValueGen = (_k, v) => ({ direct_remote_ip: cidrRange(v) });
const remoteIp: ValueGen = (_k, v) => ({ remote_ip: cidrRange(v) });
const srcNamespace: ValueGen = (_k, v) =>
  authenticated(regexMatcher(`.*/ns/${quoteMeta(v).replaceAll("\\*", ".*")}/.*`));
const srcPrincipal: ValueGen = (_k, v) => authenticated(stringMatcher(v, SPIFFE_PREFIX));
const srcTrustDomain: ValueGen = (_k, v) => {
  if (v === "*") return authenticated(regexMatcher(`${SPIFFE_PREFIX}[^/]+/.*`));
  if (v.endsWith("*"))
    return authenticated(regexMatcher(`${SPIFFE_PREFIX}${quoteMeta(v.slice(0, -1))}[^/]*/.*`));
  if (v.startsWith("*"))
    return authenticated(regexMatcher(`${SPIFFE_PREFIX}[^/]*${quoteMeta(v.slice(1))}/.*`));
  return authenticated({ prefix: `${SPIFFE_PREFIX}${v}/` });
};
/** `sa` (policy namespace) or `ns/sa`, with any trust domain and optional extra segments. */
const srcServiceAccount =
  (policyNamespace: string): ValueGen =>
  (_k, v) => {
    const slash = v.indexOf("/");
    const ns = slash < 0 ? policyNamespace : v.slice(0, slash);
    const sa = slash < 0 ? v : v.slice(slash + 1);
    return authenticated(
      regexMatcher(`spiffe://.+/ns/${quoteMeta(ns)}/(.+/|)sa/${quoteMeta(sa)}(/.+)?`),
    );
  };
const requestHeader: ValueGen = (k, v, tcp) => {
  httpOnly(k, tcp);
  const names = bracketNames(k.slice("request.headers".length));
  if (names.length !== 1) throw new Error(`invalid key ${JSON.stringify(k)}`);
  return { header: headerMatcher(names[0], v) };
};

const ANY_VALUE = regexMatcher(".+");
/** `iss/sub` (the issuer may contain `/`, so split at the last one), with `*` on either end. */
function issuerSubject(value: string): [Json, Json] {
  const idx = value.lastIndexOf("/");
  const iss = idx >= 0 ? value.slice(0, idx) : value;
  const sub = idx >= 0 ? value.slice(idx + 1) : "";
  if (value === "*") return [ANY_VALUE, ANY_VALUE];
  if (value.startsWith("*")) {
    if (idx < 0) return [ANY_VALUE, { suffix: value.slice(1) }];
    return [iss === "*" ? ANY_VALUE : { suffix: iss.slice(1) }, exactMatcher(sub)];
  }
  if (value.endsWith("*")) {
    if (idx < 0) return [{ prefix: value.slice(0, -1) }, ANY_VALUE];
    return [exactMatcher(iss), sub === "*" ? ANY_VALUE : { prefix: sub.slice(0, -1) }];
  }
  return [exactMatcher(iss), exactMatcher(sub)];
}
const requestPrincipal: ListGen = (k, values, tcp) => {
  httpOnly(k, tcp);
  const ids = values.map((v) => {
    const [iss, sub] = issuerSubject(v);
    return {
      and_ids: {
        ids: [{ metadata: jwtStringClaim("iss", iss) }, { metadata: jwtStringClaim("sub", sub) }],
      },
    };
  });
  return ids.length === 1 ? ids[0] : { or_ids: { ids } };
};
const jwtClaim =
  (claims: (key: string) => string[]): ListGen =>
  (k, values, tcp) => {
    httpOnly(k, tcp);
    return { metadata: jwtClaimMatcher(claims(k), values) };
  };
const audiences = jwtClaim(() => ["aud"]);
const presenter = jwtClaim(() => ["azp"]);
const claims = jwtClaim((k) => bracketNames(k.slice("request.auth.claims".length)));

function entry(
  key: string,
  values: readonly string[] | undefined,
  notValues: readonly string[] | undefined,
  gen: { each?: ValueGen; list?: ListGen },
): Entry | undefined {
  if (!values?.length && !notValues?.length) return undefined;
  return { key, values: values ?? [], notValues: notValues ?? [], ...gen };
}

/** Which side a `when` key belongs to and how its values become matchers. */
function whenEntry(key: string, values?: string[], notValues?: string[]) {
  const p = (gen: { each?: ValueGen; list?: ListGen }) => ({
    side: "permission" as const,
    e: entry(key, values, notValues, gen),
  });
  const q = (gen: { each?: ValueGen; list?: ListGen }) => ({
    side: "principal" as const,
    e: entry(key, values, notValues, gen),
  });
  if (key === "destination.ip") return p({ each: destIp });
  if (key === "destination.port") return p({ each: destPort });
  if (key === "connection.sni") return p({ each: sni });
  if (key.startsWith("experimental.envoy.filters.")) return p({ list: envoyMetadata });
  if (key === "source.ip") return q({ each: srcIp });
  if (key === "remote.ip") return q({ each: remoteIp });
  if (key === "source.namespace") return q({ each: srcNamespace });
  if (key === "source.principal") return q({ each: srcPrincipal });
  if (key === "request.auth.principal") return q({ list: requestPrincipal });
  if (key === "request.auth.audiences") return q({ list: audiences });
  if (key === "request.auth.presenter") return q({ list: presenter });
  if (key.startsWith("request.headers")) return q({ each: requestHeader });
  if (key.startsWith("request.auth.claims")) return q({ list: claims });
  return undefined;
}

export interface RuleContext {
  readonly policyNamespace: string;
  readonly trustDomains: TrustDomainBundle;
}

interface RuleModel {
  readonly permissions: Entry[][];
  readonly principals: Entry[][];
}

function present(...es: (Entry | undefined)[]): Entry[] {
  return es.filter((e): e is Entry => e !== undefined);
}

/** Throws for an unknown `when` key (the rule is skipped, as Istio does). */
function ruleModel(rule: AuthorizationRule, ctx: RuleContext): RuleModel {
  const basePermission: Entry[] = [];
  const basePrincipal: Entry[] = [];
  for (const c of rule.when ?? []) {
    const w = whenEntry(c.key, c.values, c.notValues);
    if (!w) throw new Error(`unknown attribute ${c.key}`);
    if (w.e) (w.side === "permission" ? basePermission : basePrincipal).push(w.e);
  }
  const principals = (rule.from ?? []).map(({ source: s }) => [
    ...(s
      ? present(
          entry(
            "source.trustDomains",
            expandTrustDomains(ctx.trustDomains, s.trustDomains ?? []),
            expandTrustDomains(ctx.trustDomains, s.notTrustDomains ?? []),
            { each: srcTrustDomain },
          ),
          entry("source.principal", s.principals, s.notPrincipals, { each: srcPrincipal }),
          entry("request.auth.principal", s.requestPrincipals, s.notRequestPrincipals, {
            list: requestPrincipal,
          }),
          entry("source.serviceAccount", s.serviceAccounts, s.notServiceAccounts, {
            each: srcServiceAccount(ctx.policyNamespace),
          }),
          entry("source.namespace", s.namespaces, s.notNamespaces, { each: srcNamespace }),
          entry("remote.ip", s.remoteIpBlocks, s.notRemoteIpBlocks, { each: remoteIp }),
          entry("source.ip", s.ipBlocks, s.notIpBlocks, { each: srcIp }),
        )
      : []),
    ...basePrincipal,
  ]);
  const permissions = (rule.to ?? []).map(({ operation: o }) => [
    ...(o
      ? present(
          entry(":authority", o.hosts, o.notHosts, { each: host }),
          entry(":method", o.methods, o.notMethods, { each: method }),
          entry("path-matcher", o.paths, o.notPaths, { each: path }),
          entry("destination.port", o.ports, o.notPorts, { each: destPort }),
        )
      : []),
    ...basePermission,
  ]);
  if (principals.length === 0) principals.push(basePrincipal);
  if (permissions.length === 0) permissions.push(basePermission);
  // source.principal values (from `from` and `when`) get the trust-domain aliases.
  for (const list of principals) {
    for (const [i, e] of list.entries()) {
      if (e.key !== "source.principal") continue;
      list[i] = {
        ...e,
        values: withTrustDomainAliases(ctx.trustDomains, e.values),
        notValues: withTrustDomainAliases(ctx.trustDomains, e.notValues),
      };
    }
  }
  return { permissions, principals };
}

type Shape = {
  or: (xs: Json[]) => Json;
  not: (x: Json) => Json;
  and: (xs: Json[]) => Json;
};
const PERMISSION: Shape = {
  or: (rules) => ({ or_rules: { rules } }),
  not: (rule) => ({ not_rule: rule }),
  and: (rules) => ({ and_rules: { rules } }),
};
const PRINCIPAL: Shape = {
  or: (ids) => ({ or_ids: { ids } }),
  not: (id) => ({ not_id: id }),
  and: (ids) => ({ and_ids: { ids } }),
};

/** Runs a generator; an error fails the rule for ALLOW and drops the value for DENY/LOG. */
function attempt(action: RbacAction, f: () => Json): Json | undefined {
  try {
    return f();
  } catch (e) {
    if (action === "ALLOW") throw e;
    return undefined;
  }
}

function entryMatchers(e: Entry, shape: Shape, forTCP: boolean, action: RbacAction): Json[] {
  const out: Json[] = [];
  const side = (values: readonly string[], negate: boolean) => {
    if (values.length === 0) return;
    let m: Json | undefined;
    if (e.list) m = attempt(action, () => e.list!(e.key, values, forTCP));
    else {
      const each = values
        .map((v) => attempt(action, () => e.each!(e.key, v, forTCP)))
        .filter((x): x is Json => x !== undefined);
      m = each.length > 0 ? shape.or(each) : undefined;
    }
    if (m) out.push(negate ? shape.not(m) : m);
  };
  side(e.values, false);
  side(e.notValues, true);
  return out;
}

function combine(list: Entry[], shape: Shape, forTCP: boolean, action: RbacAction): Json {
  const and = list.flatMap((e) => entryMatchers(e, shape, forTCP, action));
  return shape.and(and.length > 0 ? and : [{ any: true }]);
}

/** The RBAC policy for one rule; throws when the rule cannot be built for this chain/action. */
export function rulePolicy(
  rule: AuthorizationRule,
  ctx: RuleContext,
  forTCP: boolean,
  action: RbacAction,
): Json {
  const m = ruleModel(rule, ctx);
  return {
    permissions: m.permissions.map((l) => combine(l, PERMISSION, forTCP, action)),
    principals: m.principals.map((l) => combine(l, PRINCIPAL, forTCP, action)),
  };
}

/** An ALLOW policy with no rules: matches nothing, so the workload denies everything. */
export const MATCH_NEVER: Json = {
  permissions: [{ not_rule: { any: true } }],
  principals: [{ not_id: { any: true } }],
};
