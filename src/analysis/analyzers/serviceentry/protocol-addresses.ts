// serviceentry.Analyzer: a ServiceEntry with TCP (or unset-protocol) ports needs addresses,
// unless addresses were allocated (status) or the mesh auto-allocates them via DNS capture.

import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { list, obj, objs, str } from "../../util/fields.ts";

export const protocolAddressesAnalyzer: Analyzer = {
  name: "serviceentry.Analyzer",
  description: "Checks the validity of ServiceEntry",
  inputs: [K.ServiceEntry, K.MeshConfig],
  analyze(ctx) {
    const meta = ctx.snapshot.mesh.proxyMetadata;
    const autoAllocated =
      meta.ISTIO_META_DNS_CAPTURE === "true" && meta.ISTIO_META_DNS_AUTO_ALLOCATE === "true";
    if (autoAllocated) return;
    for (const r of ctx.snapshot.list(K.ServiceEntry)) {
      if (list(r.spec.addresses).length > 0) continue;
      if (list(obj(r.status).addresses).length > 0) continue;
      for (const [i, port] of objs(r.spec.ports).entries()) {
        const protocol = str(port.protocol).toUpperCase();
        if (protocol === "" || protocol === "TCP")
          ctx.reportAt(r, ["spec", "ports", i], "ServiceEntryAddressesRequired");
      }
    }
  },
};
