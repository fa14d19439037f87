// envoy.filters.http.cors: the filter Istio puts in every HTTP connection manager. It acts only
// where a route carries a CorsPolicy (typed_per_filter_config): preflights from an allowed origin
// are answered here, other requests from it get the allow/expose headers on the response.

import { TYPE_URL } from "../../../envoy/index.ts";
import type { TypedConfig } from "../../config-types.ts";
import { HeaderMap } from "../../http/headers.ts";
import type { HttpStream } from "../../http/stream.ts";
import { compileStringMatcher, type Matcher } from "../../routing/string-matcher.ts";
import type { FilterResult, HttpFilter, HttpFilterFactory } from "./filter.ts";

interface CorsPolicy {
  allow_origin_string_match?: Parameters<typeof compileStringMatcher>[0][];
  allow_methods?: string;
  allow_headers?: string;
  expose_headers?: string;
  max_age?: string;
  allow_credentials?: boolean;
  forward_not_matching_preflights?: boolean;
}

interface Compiled {
  readonly policy: CorsPolicy;
  readonly origins: Matcher[];
}

function compile(policy: CorsPolicy, path: string): Compiled {
  const origins = (policy.allow_origin_string_match ?? []).map((m, i) =>
    compileStringMatcher(m, `${path}.allow_origin_string_match[${i}]`),
  );
  return { policy, origins };
}

class CorsFilter implements HttpFilter {
  readonly name: string;
  readonly #path: string;
  // Route configs are replaced whole on RDS updates, so caching by object identity is safe.
  readonly #compiled = new WeakMap<object, Compiled>();
  constructor(name: string, path: string) {
    this.name = name;
    this.#path = path;
  }

  decodeHeaders(s: HttpStream, perRoute: TypedConfig | undefined): FilterResult {
    if (!perRoute) return undefined;
    let c = this.#compiled.get(perRoute);
    if (!c) {
      c = compile(perRoute as CorsPolicy, `${this.#path}.cors`);
      this.#compiled.set(perRoute, c);
    }
    const origin = s.headers.get("origin");
    if (!origin) return undefined;
    const allowed = c.origins.some((m) => m(origin) || m("*"));
    const p = c.policy;
    const preflight = s.method === "OPTIONS" && s.headers.has("access-control-request-method");
    if (!allowed) {
      if (preflight && p.forward_not_matching_preflights === false)
        return { status: 200, details: "cors_preflight_not_matching" };
      return undefined;
    }
    if (preflight) {
      const h = new HeaderMap();
      h.set("access-control-allow-origin", origin);
      if (p.allow_credentials) h.set("access-control-allow-credentials", "true");
      if (p.allow_methods) h.set("access-control-allow-methods", p.allow_methods);
      if (p.allow_headers) h.set("access-control-allow-headers", p.allow_headers);
      if (p.max_age) h.set("access-control-max-age", p.max_age);
      return { status: 200, headers: h, details: "cors_preflight" };
    }
    s.responseHooks.push((h) => {
      h.set("access-control-allow-origin", origin);
      if (p.allow_credentials) h.set("access-control-allow-credentials", "true");
      if (p.expose_headers) h.set("access-control-expose-headers", p.expose_headers);
    });
    return undefined;
  }
}

export const corsFilter: HttpFilterFactory = {
  typeUrl: TYPE_URL.CORS,
  create: (name, _config, path) => new CorsFilter(name, path),
};
