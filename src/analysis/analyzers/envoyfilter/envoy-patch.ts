// envoyfilter.EnvoyPatchAnalyzer: relative patch operations without a priority may apply in an
// unexpected order (worse across proxy versions), and some operation/applyTo pairs are ignored.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer, Context, FieldPath } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { num, obj, objs, str } from "../../util/fields.ts";

const ROUTE_LEVEL = new Set(["ROUTE_CONFIGURATION", "HTTP_ROUTE"]);
// REPLACE works on named filters and, since Istio 1.20, on virtual hosts.
const REPLACEABLE = new Set(["NETWORK_FILTER", "HTTP_FILTER", "VIRTUAL_HOST"]);

export const envoyPatchAnalyzer: Analyzer = {
  name: "envoyfilter.EnvoyPatchAnalyzer",
  description: "Checks an envoyFilters ",
  inputs: [K.EnvoyFilter],
  analyze(ctx) {
    // Names of patched filters whose patch is pinned to a proxy version, across all EnvoyFilters.
    const versioned: string[] = [];
    for (const r of ctx.snapshot.list(K.EnvoyFilter)) analyzeFilter(ctx, r, versioned);
  },
};

function analyzeFilter(ctx: Context, r: Resource, versioned: string[]): void {
  const priority = num(r.spec.priority) ?? 0;
  const relative = (at: FieldPath, instanceName: string) => {
    if (priority !== 0) return;
    const pinned = versioned.includes(instanceName);
    ctx.reportAt(
      r,
      at,
      pinned
        ? "EnvoyFilterUsesRelativeOperationWithProxyVersion"
        : "EnvoyFilterUsesRelativeOperation",
    );
  };
  for (const [i, cp] of objs(r.spec.configPatches).entries()) {
    const at = ["spec", "configPatches", i];
    if (cp.patch === undefined || cp.patch === null) break;
    const patch = obj(cp.patch);
    const match = obj(cp.match);
    const value = patch.value;
    let instanceName = "";
    if (value && typeof value === "object") {
      const name = obj(value).name;
      if (name !== undefined && name !== null) instanceName = `value:${JSON.stringify(name)}`;
      else instanceName = str(obj(obj(obj(match.listener).filterChain).filter).name);
    }
    const applyTo = str(cp.applyTo);
    switch (str(patch.operation)) {
      case "ADD":
        if (ROUTE_LEVEL.has(applyTo)) ctx.reportAt(r, at, "EnvoyFilterUsesAddOperationIncorrectly");
        break;
      case "REMOVE":
        if (ROUTE_LEVEL.has(applyTo))
          ctx.reportAt(r, at, "EnvoyFilterUsesRemoveOperationIncorrectly");
        else relative(at, instanceName);
        break;
      case "REPLACE":
        if (!REPLACEABLE.has(applyTo))
          ctx.reportAt(r, at, "EnvoyFilterUsesReplaceOperationIncorrectly");
        else relative(at, instanceName);
        break;
      case "INSERT_BEFORE":
      case "INSERT_AFTER":
        relative(at, instanceName);
        break;
    }
    if (str(obj(match.proxy).proxyVersion) !== "") versioned.push(instanceName);
  }
}
