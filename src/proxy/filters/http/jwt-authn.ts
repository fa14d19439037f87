// envoy.filters.http.jwt_authn: finds JWTs where each provider says (headers with a prefix,
// query parameters, cookies; by default `Authorization: Bearer` and `access_token`), verifies
// them (jwt-verify.ts) against the provider's JWKS, and evaluates the requirement of the first
// matching rule (provider_name, requires_any/all, allow_missing, allow_missing_or_failed). A
// verified payload goes into dynamic metadata for RBAC; a failure is Envoy's 401 (403 for a
// wrong audience) with the verifier's message and a `www-authenticate: Bearer` challenge.

import { TYPE_URL } from "../../../envoy/index.ts";
import type { RouteMatch, TypedConfig } from "../../config-types.ts";
import { HeaderMap } from "../../http/headers.ts";
import type { HttpStream } from "../../http/stream.ts";
import { compileRouteMatch, parseQuery, type RoutePredicate } from "../../routing/route-match.ts";
import type { FilterContext, FilterResult, HttpFilter, HttpFilterFactory } from "./filter.ts";
import { type JwksSource, localJwks, RemoteJwks, type RemoteJwksConfig } from "./jwks.ts";
import {
  checkTime,
  JWT_ERRORS,
  type Jwt,
  JwtError,
  parseJwt,
  verifySignature,
} from "./jwt-verify.ts";

export const JWT_AUTHN_METADATA = "envoy.filters.http.jwt_authn";

interface ProviderConfig {
  issuer?: string;
  audiences?: string[];
  local_jwks?: { inline_string?: string };
  remote_jwks?: RemoteJwksConfig;
  forward?: boolean;
  from_headers?: { name?: string; value_prefix?: string }[];
  from_params?: string[];
  from_cookies?: string[];
  forward_payload_header?: string;
  payload_in_metadata?: string;
  claim_to_headers?: { header_name?: string; claim_name?: string }[];
  clock_skew_seconds?: number;
}

interface Requirement {
  provider_name?: string;
  provider_and_audiences?: { provider_name?: string; audiences?: string[] };
  requires_any?: { requirements?: Requirement[] };
  requires_all?: { requirements?: Requirement[] };
  allow_missing?: object;
  allow_missing_or_failed?: object;
}

interface JwtAuthnConfig {
  providers?: Record<string, ProviderConfig>;
  rules?: { match?: RouteMatch; requires?: Requirement; requirement_name?: string }[];
  requirement_map?: Record<string, Requirement>;
  bypass_cors_preflight?: boolean;
}

interface Token {
  readonly value: string;
  /** The header it came from, removed after verification unless the provider forwards it. */
  readonly header?: string;
}

class Provider {
  readonly cfg: ProviderConfig;
  readonly jwks: JwksSource;
  private readonly headers: { name: string; prefix: string }[];
  private readonly params: string[];
  private readonly cookies: string[];

  constructor(cfg: ProviderConfig, ctx: FilterContext, path: string) {
    this.cfg = cfg;
    if (cfg.local_jwks?.inline_string !== undefined)
      this.jwks = localJwks(cfg.local_jwks.inline_string);
    else if (cfg.remote_jwks)
      this.jwks = new RemoteJwks(cfg.remote_jwks, ctx.clusters, `${path}.remote_jwks`);
    else throw new Error(`${path}: local_jwks.inline_string or remote_jwks is required`);
    const located = cfg.from_headers?.length || cfg.from_params?.length || cfg.from_cookies?.length;
    this.headers = located
      ? (cfg.from_headers ?? []).map((h) => ({
          name: (h.name ?? "").toLowerCase(),
          prefix: h.value_prefix ?? "",
        }))
      : [{ name: "authorization", prefix: "Bearer " }];
    this.params = located ? (cfg.from_params ?? []) : ["access_token"];
    this.cookies = cfg.from_cookies ?? [];
  }

  extract(s: HttpStream): Token[] {
    const out: Token[] = [];
    const push = (value: string, header?: string) => {
      if (value && !out.some((t) => t.value === value)) out.push({ value, header });
    };
    for (const h of this.headers) {
      for (const v of s.headers.getAll(h.name)) {
        if (v.startsWith(h.prefix)) push(v.slice(h.prefix.length).trim(), h.name);
      }
    }
    if (this.params.length) {
      const q = s.path.indexOf("?");
      const params = parseQuery(q >= 0 ? s.path.slice(q + 1) : "");
      for (const p of this.params) push(params.get(p) ?? "");
    }
    if (this.cookies.length) {
      const jar = new Map<string, string>();
      for (const c of (s.headers.joined("cookie") ?? "").split(/;\s*/)) {
        const eq = c.indexOf("=");
        if (eq > 0 && !jar.has(c.slice(0, eq))) jar.set(c.slice(0, eq), c.slice(eq + 1));
      }
      for (const c of this.cookies) push(jar.get(c) ?? "");
    }
    return out;
  }

  /** Verifies one token; throws JwtError with Envoy's message. */
  async verify(token: string, audiences: readonly string[] | undefined): Promise<Jwt> {
    const jwt = parseJwt(token);
    if (this.cfg.issuer && jwt.iss !== this.cfg.issuer)
      throw new JwtError(JWT_ERRORS.unknownIssuer);
    checkTime(jwt, Math.floor(Date.now() / 1000), this.cfg.clock_skew_seconds ?? 60);
    const want = audiences ?? this.cfg.audiences ?? [];
    if (want.length && !jwt.aud.some((a) => want.includes(a)))
      throw new JwtError(JWT_ERRORS.audience);
    verifySignature(jwt, await this.jwks.keys());
    return jwt;
  }

  /** What a verified token does to the request: metadata for RBAC, headers for the upstream. */
  apply(s: HttpStream, token: Token, jwt: Jwt): void {
    if (this.cfg.payload_in_metadata)
      s.metadataFor(JWT_AUTHN_METADATA)[this.cfg.payload_in_metadata] = jwt.payload;
    if (this.cfg.forward_payload_header)
      s.headers.set(this.cfg.forward_payload_header, jwt.payloadSegment);
    for (const c of this.cfg.claim_to_headers ?? []) {
      const v = jwt.payload[c.claim_name ?? ""];
      if (c.header_name && ["string", "number", "boolean"].includes(typeof v))
        s.headers.set(c.header_name, String(v));
    }
    if (!this.cfg.forward && token.header) s.headers.remove(token.header);
  }
}

type Outcome = string | undefined; // an error message, or undefined for success

/** Which failure to report when several alternatives failed: a real one over "missing". */
function preferred(errors: string[]): string {
  return (
    errors.find((e) => e !== JWT_ERRORS.missing && e !== JWT_ERRORS.unknownIssuer) ??
    errors.find((e) => e === JWT_ERRORS.unknownIssuer) ??
    JWT_ERRORS.missing
  );
}

class JwtAuthnFilter implements HttpFilter {
  readonly name: string;
  private readonly providers = new Map<string, Provider>();
  private readonly rules: { match: RoutePredicate; requires: Requirement | undefined }[];
  private readonly requirementMap: Record<string, Requirement>;
  private readonly bypassCors: boolean;

  constructor(name: string, cfg: JwtAuthnConfig, path: string, ctx: FilterContext) {
    this.name = name;
    for (const [n, p] of Object.entries(cfg.providers ?? {}))
      this.providers.set(n, new Provider(p, ctx, `${path}.providers.${n}`));
    this.requirementMap = cfg.requirement_map ?? {};
    this.rules = (cfg.rules ?? []).map((r, i) => {
      const requires = r.requirement_name ? this.requirementMap[r.requirement_name] : r.requires;
      if (r.requirement_name && !requires)
        throw new Error(
          `${path}.rules[${i}].requirement_name: ${r.requirement_name} is not in requirement_map`,
        );
      return {
        match: compileRouteMatch(r.match ?? { prefix: "/" }, `${path}.rules[${i}].match`),
        requires,
      };
    });
    for (const r of this.rules) if (r.requires) this.checkRequirement(r.requires, path);
    this.bypassCors = cfg.bypass_cors_preflight === true;
  }

  private checkRequirement(r: Requirement, path: string): void {
    const name = r.provider_name ?? r.provider_and_audiences?.provider_name;
    if (name !== undefined && !this.providers.has(name))
      throw new Error(`${path}: requirement names unknown provider ${name}`);
    for (const c of [
      ...(r.requires_any?.requirements ?? []),
      ...(r.requires_all?.requirements ?? []),
    ])
      this.checkRequirement(c, path);
  }

  private async provider(s: HttpStream, name: string, audiences?: string[]): Promise<Outcome> {
    const p = this.providers.get(name)!;
    const tokens = p.extract(s);
    if (tokens.length === 0) return JWT_ERRORS.missing;
    const verified: [Token, Jwt][] = [];
    for (const t of tokens) {
      try {
        verified.push([t, await p.verify(t.value, audiences)]);
      } catch (e) {
        if (e instanceof JwtError) return e.message;
        throw e;
      }
    }
    for (const [t, jwt] of verified) p.apply(s, t, jwt);
    return undefined;
  }

  private async requirement(s: HttpStream, r: Requirement): Promise<Outcome> {
    if (r.provider_name) return this.provider(s, r.provider_name);
    if (r.provider_and_audiences?.provider_name)
      return this.provider(
        s,
        r.provider_and_audiences.provider_name,
        r.provider_and_audiences.audiences,
      );
    if (r.requires_all) {
      for (const c of r.requires_all.requirements ?? []) {
        const e = await this.requirement(s, c);
        if (e) return e;
      }
      return undefined;
    }
    if (r.requires_any) {
      const errors: string[] = [];
      for (const c of r.requires_any.requirements ?? []) {
        const e = await this.requirement(s, c);
        if (!e) return undefined;
        errors.push(e);
      }
      return preferred(errors);
    }
    if (r.allow_missing) {
      const any = [...this.providers.values()].some((p) => p.extract(s).length > 0);
      return any ? JWT_ERRORS.missing : undefined;
    }
    if (r.allow_missing_or_failed) {
      for (const name of this.providers.keys()) await this.provider(s, name);
      return undefined;
    }
    return undefined;
  }

  async decodeHeaders(s: HttpStream, perRoute: TypedConfig | undefined): Promise<FilterResult> {
    const pr = perRoute as { disabled?: boolean; requirement_name?: string } | undefined;
    if (pr?.disabled) return undefined;
    if (
      this.bypassCors &&
      s.method === "OPTIONS" &&
      s.headers.has("origin") &&
      s.headers.has("access-control-request-method")
    )
      return undefined;
    const q = s.path.search(/[?#]/);
    const view = {
      headers: s.headers,
      path: q >= 0 ? s.path.slice(0, q) : s.path,
      query: q >= 0 ? s.path.slice(q + 1) : "",
    };
    const requires = pr?.requirement_name
      ? this.requirementMap[pr.requirement_name]
      : this.rules.find((r) => r.match(view))?.requires;
    if (!requires) return undefined;
    const error = await this.requirement(s, requires);
    if (!error) return undefined;
    const h = new HeaderMap();
    const realm = `${s.scheme || "http"}://${s.authority}${view.path}`;
    h.set(
      "www-authenticate",
      error === JWT_ERRORS.missing
        ? `Bearer realm="${realm}"`
        : `Bearer realm="${realm}", error="invalid_token"`,
    );
    return {
      status: error === JWT_ERRORS.audience ? 403 : 401,
      body: error,
      headers: h,
      details: `jwt_authn_access_denied{${error.replaceAll(" ", "_")}}`,
    };
  }
}

export const jwtAuthnFilter: HttpFilterFactory = {
  typeUrl: TYPE_URL.JWT_AUTHN,
  create: (name, config, path, ctx) =>
    new JwtAuthnFilter(name, config as JwtAuthnConfig, path, ctx),
};
