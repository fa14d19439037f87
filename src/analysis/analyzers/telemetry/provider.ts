// telemetry.ProviderAnalyzer: an access-logging entry without providers only works when the
// mesh config names default access-logging providers (or the entry disables logging).

import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { list, obj, objs } from "../../util/fields.ts";

export const telemetryProviderAnalyzer: Analyzer = {
  name: "telemetry.ProviderAnalyzer",
  description: "Validates that providers in telemery resource is valid",
  inputs: [K.Telemetry, K.MeshConfig],
  analyze(ctx) {
    const defaults = list(obj(ctx.snapshot.mesh.defaultProviders).accessLogging);
    if (defaults.length > 0) return;
    for (const r of ctx.snapshot.list(K.Telemetry)) {
      for (const l of objs(r.spec.accessLogging)) {
        if (list(l.providers).length > 0 || l.disabled === true) continue;
        ctx.report(r, "InvalidTelemetryProvider", r.metadata.name, r.metadata.namespace ?? "");
      }
    }
  },
};
