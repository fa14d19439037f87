// HTTP filters the proxy implements, by the type URL of their typed_config (Envoy looks them up
// the same way). A filter not listed here is a config error unless marked is_optional.

import { corsFilter } from "./cors.ts";
import { extAuthzFilter } from "./ext-authz.ts";
import { faultFilter } from "./fault.ts";
import type { HttpFilterFactory } from "./filter.ts";
import { jwtAuthnFilter } from "./jwt-authn.ts";
import { localRateLimitFilter } from "./local-ratelimit.ts";
import { rbacFilter } from "./rbac.ts";
import { routerFilter } from "./router.ts";

export const HTTP_FILTERS: ReadonlyMap<string, HttpFilterFactory> = new Map(
  [
    routerFilter,
    faultFilter,
    corsFilter,
    rbacFilter,
    jwtAuthnFilter,
    localRateLimitFilter,
    extAuthzFilter,
  ].map((f) => [f.typeUrl, f]),
);
