// injection.ImageAutoAnalyzer: `image: auto` on the istio-proxy container is a placeholder the
// injector fills in, so the workload must match an Istio injection webhook (a Pod never will:
// it already exists).

import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { labels, type Obj, objs, str } from "../../util/fields.ts";
import { ISTIO_PROXY, podTemplate } from "../../util/mesh-membership.ts";
import { labelSelectorMatches } from "../../util/selectors.ts";

export const imageAutoAnalyzer: Analyzer = {
  name: "injection.ImageAutoAnalyzer",
  description: "Makes sure that Pods and Deployments with `image: auto` are going to be injected",
  inputs: [K.Namespace, K.Pod, K.Deployment, K.MutatingWebhook],
  analyze(ctx) {
    const webhooks = ctx.snapshot
      .list(K.MutatingWebhook)
      .flatMap((r) => objs(r.spec.webhooks))
      .filter((w) => str(w.name).endsWith("istio.io"));
    for (const p of ctx.snapshot.list(K.Pod)) {
      if (hasAutoImage(p.spec))
        ctx.report(p, "ImageAutoWithoutInjectionError", "Pod", p.metadata.name);
    }
    for (const d of ctx.snapshot.list(K.Deployment)) {
      const t = podTemplate(d);
      if (!hasAutoImage(t.spec)) continue;
      const ns = ctx.snapshot.get(K.Namespace, undefined, d.metadata.namespace || "default");
      const nsLabels = ns?.metadata.labels ?? {};
      const podLabels = labels(t.metadata.labels);
      const injected = webhooks.some(
        (w) =>
          labelSelectorMatches(w.namespaceSelector, nsLabels) &&
          labelSelectorMatches(w.objectSelector, podLabels),
      );
      if (!injected)
        ctx.report(d, "ImageAutoWithoutInjectionWarning", "Deployment", d.metadata.name);
    }
  },
};

function hasAutoImage(spec: Obj): boolean {
  return objs(spec.containers).some((c) => str(c.name) === ISTIO_PROXY && str(c.image) === "auto");
}
