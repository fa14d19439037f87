// Envoy's RBAC engine (config.rbac.v3.RBAC), shared by the HTTP and the network RBAC filters: a
// named set of policies, each matching when any permission (what is accessed) and any principal
// (who accesses) match. ALLOW lets through only matched requests, DENY rejects them, LOG only
// marks them. Policies are tried in name order (Envoy keeps them in an ordered map), so the
// reported policy id is deterministic. HTTP-only matchers see nothing on a TCP connection.

import { BlockList, isIP } from "node:net";
import type { CidrRange, HeaderMatcher, StringMatcher } from "../config-types.ts";
import { compileHeaderMatcher } from "../routing/route-match.ts";
import { compileRegex, compileStringMatcher } from "../routing/string-matcher.ts";
import {
  compileMetadataMatcher,
  type DynamicMetadata,
  type MetadataMatcherConfig,
} from "./metadata-matcher.ts";

/** What the engine looks at; header and path exist only for HTTP requests. */
export interface RbacRequest {
  /** The direct peer's address. */
  readonly remoteAddress: string;
  /** The original client address (x-forwarded-for's last hop on HTTP), else the peer. */
  readonly remoteIp: string;
  readonly localAddress: string;
  readonly localPort: number;
  readonly sni: string | undefined;
  /** The verified client certificate's identity (URI SAN first); undefined without mTLS. */
  readonly peerPrincipal: string | undefined;
  readonly header?: (name: string) => string | undefined;
  /** The request path without query or fragment. */
  readonly path?: string;
  readonly metadata: DynamicMetadata;
}

export type RbacAction = "ALLOW" | "DENY" | "LOG";

type Pred = (r: RbacRequest) => boolean;
type Obj = Record<string, unknown>;

export interface RbacRulesConfig {
  action?: string;
  policies?: Record<string, { permissions?: Obj[]; principals?: Obj[]; condition?: unknown }>;
}

export interface CompiledRbac {
  readonly action: RbacAction;
  readonly policies: readonly { readonly id: string; readonly matches: Pred }[];
}

export interface RbacResult {
  readonly allowed: boolean;
  /** The first policy that matched, if any. */
  readonly policyId: string | undefined;
}

function normalizeIp(ip: string): string {
  return ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

function compileCidr(c: CidrRange, path: string): (ip: string) => boolean {
  const addr = c.address_prefix ?? "";
  const fam = isIP(addr);
  if (fam === 0)
    throw new Error(`${path}.address_prefix: ${JSON.stringify(addr)} is not an IP address`);
  const type = fam === 4 ? "ipv4" : "ipv6";
  const len = c.prefix_len ?? (fam === 4 ? 32 : 128);
  if (len < 0 || len > (fam === 4 ? 32 : 128))
    throw new Error(`${path}.prefix_len: ${len} is out of range`);
  const bl = new BlockList();
  bl.addSubnet(addr, len, type);
  return (ip) => {
    const n = normalizeIp(ip);
    return isIP(n) === fam && bl.check(n, type);
  };
}

/** Envoy's uri_template: `*` one path segment, `**` any number, `{v}`/`{v=*}`/`{v=**}` alike. */
function compileUriTemplate(cfg: Obj, path: string): (p: string) => boolean {
  const tc = (cfg.typed_config ?? {}) as { path_template?: string };
  const t = tc.path_template;
  if (!t?.startsWith("/")) throw new Error(`${path}.typed_config.path_template: must start with /`);
  const segs = t
    .slice(1)
    .split("/")
    .map((s) => {
      const v = /^\{[A-Za-z_][A-Za-z0-9_]*(?:=(\*\*?))?\}$/.exec(s);
      const op = v ? (v[1] ?? "*") : s;
      if (op === "**") return ".*";
      if (op === "*") return "[^/]+";
      if (/[*{}]/.test(s)) throw new Error(`${path}.typed_config.path_template: bad segment ${s}`);
      return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
    });
  const re = compileRegex(`/${segs.join("/")}`, `${path}.typed_config.path_template`);
  return (p) => re.matches(p);
}

function stringPred(m: StringMatcher, path: string): (v: string | undefined) => boolean {
  const t = compileStringMatcher(m, path);
  return (v) => v !== undefined && t(v);
}

function urlPath(m: { path?: StringMatcher }, path: string): Pred {
  if (!m.path) throw new Error(`${path}.path: required`);
  const t = stringPred(m.path, `${path}.path`);
  return (r) => t(r.path);
}

function header(m: HeaderMatcher, path: string): Pred {
  const t = compileHeaderMatcher(m, path);
  return (r) => (r.header ? t(r.header) : false);
}

function metadata(m: MetadataMatcherConfig, path: string): Pred {
  const t = compileMetadataMatcher(m, path);
  return (r) => t(r.metadata);
}

function set(list: Obj[] | undefined, path: string, each: (o: Obj, p: string) => Pred): Pred[] {
  return (list ?? []).map((o, i) => each(o, `${path}[${i}]`));
}

export function compilePermission(p: Obj, path: string): Pred {
  if (p.any === true) return () => true;
  if (p.and_rules) {
    const all = set(
      (p.and_rules as Obj).rules as Obj[],
      `${path}.and_rules.rules`,
      compilePermission,
    );
    return (r) => all.every((f) => f(r));
  }
  if (p.or_rules) {
    const any = set(
      (p.or_rules as Obj).rules as Obj[],
      `${path}.or_rules.rules`,
      compilePermission,
    );
    return (r) => any.some((f) => f(r));
  }
  if (p.not_rule) {
    const f = compilePermission(p.not_rule as Obj, `${path}.not_rule`);
    return (r) => !f(r);
  }
  if (p.header) return header(p.header as HeaderMatcher, `${path}.header`);
  if (p.url_path) return urlPath(p.url_path as { path?: StringMatcher }, `${path}.url_path`);
  if (p.uri_template) {
    const t = compileUriTemplate(p.uri_template as Obj, `${path}.uri_template`);
    return (r) => r.path !== undefined && t(r.path);
  }
  if (p.destination_ip) {
    const t = compileCidr(p.destination_ip as CidrRange, `${path}.destination_ip`);
    return (r) => t(r.localAddress);
  }
  if (p.destination_port !== undefined) {
    const port = Number(p.destination_port);
    return (r) => r.localPort === port;
  }
  if (p.destination_port_range) {
    const { start = 0, end = 0 } = p.destination_port_range as { start?: number; end?: number };
    return (r) => r.localPort >= start && r.localPort < end;
  }
  if (p.requested_server_name) {
    const t = compileStringMatcher(
      p.requested_server_name as StringMatcher,
      `${path}.requested_server_name`,
    );
    return (r) => t(r.sni ?? "");
  }
  if (p.metadata) return metadata(p.metadata as MetadataMatcherConfig, `${path}.metadata`);
  throw new Error(`${path}: permission ${Object.keys(p).join(",") || "(empty)"} is not supported`);
}

export function compilePrincipal(p: Obj, path: string): Pred {
  if (p.any === true) return () => true;
  if (p.and_ids) {
    const all = set((p.and_ids as Obj).ids as Obj[], `${path}.and_ids.ids`, compilePrincipal);
    return (r) => all.every((f) => f(r));
  }
  if (p.or_ids) {
    const any = set((p.or_ids as Obj).ids as Obj[], `${path}.or_ids.ids`, compilePrincipal);
    return (r) => any.some((f) => f(r));
  }
  if (p.not_id) {
    const f = compilePrincipal(p.not_id as Obj, `${path}.not_id`);
    return (r) => !f(r);
  }
  if (p.authenticated) {
    const name = (p.authenticated as { principal_name?: StringMatcher }).principal_name;
    if (!name) return (r) => r.peerPrincipal !== undefined;
    const t = stringPred(name, `${path}.authenticated.principal_name`);
    return (r) => t(r.peerPrincipal);
  }
  const direct = p.direct_remote_ip ?? p.source_ip;
  if (direct) {
    const t = compileCidr(direct as CidrRange, `${path}.direct_remote_ip`);
    return (r) => t(r.remoteAddress);
  }
  if (p.remote_ip) {
    const t = compileCidr(p.remote_ip as CidrRange, `${path}.remote_ip`);
    return (r) => t(r.remoteIp);
  }
  if (p.header) return header(p.header as HeaderMatcher, `${path}.header`);
  if (p.url_path) return urlPath(p.url_path as { path?: StringMatcher }, `${path}.url_path`);
  if (p.metadata) return metadata(p.metadata as MetadataMatcherConfig, `${path}.metadata`);
  throw new Error(`${path}: principal ${Object.keys(p).join(",") || "(empty)"} is not supported`);
}

export function compileRbac(rules: RbacRulesConfig, path: string): CompiledRbac {
  const action = (rules.action ?? "ALLOW") as RbacAction;
  if (!["ALLOW", "DENY", "LOG"].includes(action))
    throw new Error(`${path}.action: ${action} is not supported`);
  const entries = Object.entries(rules.policies ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const policies = entries.map(([id, pol]) => {
    const pp = `${path}.policies[${JSON.stringify(id)}]`;
    if (pol.condition) throw new Error(`${pp}.condition: CEL conditions are not supported`);
    const perms = set(pol.permissions, `${pp}.permissions`, compilePermission);
    const princ = set(pol.principals, `${pp}.principals`, compilePrincipal);
    return {
      id,
      matches: (r: RbacRequest) => perms.some((f) => f(r)) && princ.some((f) => f(r)),
    };
  });
  return { action, policies };
}

export function evaluate(rbac: CompiledRbac, r: RbacRequest): RbacResult {
  const hit = rbac.policies.find((p) => p.matches(r));
  const allowed =
    rbac.action === "ALLOW" ? hit !== undefined : rbac.action === "DENY" ? hit === undefined : true;
  return { allowed, policyId: hit?.id };
}
