// authn.BlockedCIDRsAnalyzer: with RequestAuthentications present, istiod should restrict which
// addresses JWKS URIs may resolve to (BLOCKED_CIDRS_IN_JWKS_URIS), or it can be used for SSRF.

import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { fullName, objs, str } from "../../util/fields.ts";
import { podTemplate } from "../../util/mesh-membership.ts";

const MAX_NAMES = 5;

export const blockedCidrsAnalyzer: Analyzer = {
  name: "authn.BlockedCIDRsAnalyzer",
  description:
    "Checks that BLOCKED_CIDRS_IN_JWKS_URIS is configured on istiod when RequestAuthentication resources exist",
  inputs: [K.RequestAuthentication, K.Deployment],
  analyze(ctx) {
    const names = ctx.snapshot.list(K.RequestAuthentication).map((r) => fullName(r));
    if (names.length === 0) return;
    const shown =
      names.length <= MAX_NAMES
        ? names.join(", ")
        : `${names.slice(0, MAX_NAMES).join(", ")}, and ${names.length - MAX_NAMES} more`;
    for (const d of ctx.snapshot.list(K.Deployment)) {
      if (d.metadata.labels?.app !== "istiod") continue;
      const restricted = objs(podTemplate(d).spec.containers).some((c) =>
        objs(c.env).some(
          (e) => str(e.name) === "BLOCKED_CIDRS_IN_JWKS_URIS" && str(e.value) !== "",
        ),
      );
      if (!restricted) ctx.report(d, "JwksUriFetchUnrestricted", names.length, shown);
    }
  },
};
