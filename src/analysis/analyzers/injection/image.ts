// injection.ImageAnalyzer: proxies running in injected namespaces use the image the injector is
// configured with (an old image means the pods predate a control-plane upgrade).

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { getOrInit, obj, objs, str } from "../../util/fields.ts";
import { INJECTION_LABEL, ISTIO_PROXY, REVISION_LABEL } from "../../util/mesh-membership.ts";
import {
  INJECTOR_CONFIGMAP,
  injectorConfigMapName,
  injectorProxyImage,
} from "./injector-config.ts";

export const imageAnalyzer: Analyzer = {
  name: "injection.ImageAnalyzer",
  description: "Checks the image of auto-injection configured with the running proxies on pods",
  inputs: [K.Namespace, K.Pod, K.ConfigMap],
  analyze(ctx) {
    const images = new Map<string, string>();
    for (const cm of ctx.snapshot.list(K.ConfigMap)) {
      if (cm.metadata.name.startsWith(INJECTOR_CONFIGMAP))
        images.set(cm.metadata.name, injectorProxyImage(cm));
    }
    if (images.size === 0) return;
    const imageType = str(obj(obj(ctx.snapshot.mesh.raw.defaultConfig).image).imageType);
    const namespaces = new Map<string, Resource>();
    const revisions = new Map<string, string>();
    for (const ns of ctx.snapshot.list(K.Namespace)) {
      namespaces.set(ns.metadata.name, ns);
      const l = ns.metadata.labels ?? {};
      if (REVISION_LABEL in l) revisions.set(ns.metadata.name, l[REVISION_LABEL] ?? "");
      else if (l[INJECTION_LABEL] === "enabled") revisions.set(ns.metadata.name, "default");
    }
    const mismatched = new Map<string, string[]>();
    for (const pod of ctx.snapshot.list(K.Pod)) {
      const ns = pod.metadata.namespace ?? "";
      const revision = revisions.get(ns);
      if (revision === undefined) continue;
      // A pod-level proxy image always overrides the injector.
      if (pod.metadata.annotations?.["sidecar.istio.io/proxyImage"]) continue;
      const expected = images.get(injectorConfigMapName(revision));
      if (expected === undefined) continue;
      const accepted = new Set([
        expected,
        `${expected}-distroless`,
        ...(imageType && imageType !== "default" ? [`${expected}-${imageType}`] : []),
      ]);
      // Native sidecars run the proxy as an init container.
      for (const c of [...objs(pod.spec.containers), ...objs(pod.spec.initContainers)]) {
        if (str(c.name) !== ISTIO_PROXY) continue;
        if (!accepted.has(str(c.image)))
          getOrInit(mismatched, ns, () => []).push(pod.metadata.name);
      }
    }
    for (const [ns, pods] of mismatched) {
      const r = namespaces.get(ns);
      if (r) ctx.report(r, "PodsIstioProxyImageMismatchInNamespace", pods);
    }
  },
};
