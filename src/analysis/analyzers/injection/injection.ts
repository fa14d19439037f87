// injection.Analyzer: namespaces say how their pods join the mesh (one injection label, or
// ambient), and pods in injected namespaces carry the proxy.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer, Context } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { ISTIO_SYSTEM } from "../../mesh.ts";
import { fullName, objs, str } from "../../util/fields.ts";
import {
  DATAPLANE_MODE,
  INJECTION_LABEL,
  ISTIO_PROXY,
  isSystemNamespace,
  REVISION_LABEL,
  SIDECAR_INJECT,
} from "../../util/mesh-membership.ts";
import { injectorConfigMapName, injectorValues } from "./injector-config.ts";

export const injectionAnalyzer: Analyzer = {
  name: "injection.Analyzer",
  description: "Checks conditions related to Istio sidecar injection",
  inputs: [K.Namespace, K.Pod, K.ConfigMap],
  analyze(ctx) {
    const injected = injectedNamespaces(ctx);
    for (const pod of ctx.snapshot.list(K.Pod)) {
      if (!injected.has(pod.metadata.namespace ?? "")) continue;
      // A label overrides the annotation; either can opt the pod out.
      const inject =
        pod.metadata.labels?.[SIDECAR_INJECT] ?? pod.metadata.annotations?.[SIDECAR_INJECT] ?? "";
      if (inject.toLowerCase() === "false") continue;
      if (pod.spec.hostNetwork === true) continue;
      const proxy = objs(pod.spec.containers).find((c) => str(c.name) === ISTIO_PROXY);
      if (!proxy || str(proxy.image) === "") {
        ctx.report(pod, "PodMissingProxy", fullName(pod));
      }
    }
  },
};

function injectedNamespaces(ctx: Context): Set<string> {
  const injected = new Set<string>();
  // As upstream, the last injector config seen decides for namespaces without labels.
  let enabledByDefault = false;
  for (const r of ctx.snapshot.list(K.Namespace)) {
    const ns = r.metadata.name;
    if (ns === ISTIO_SYSTEM || isSystemNamespace(ns)) continue;
    const l = r.metadata.labels ?? {};
    const injection = l[INJECTION_LABEL] ?? "";
    const hasRevision = REVISION_LABEL in l;
    const ambient = l[DATAPLANE_MODE] === "ambient";
    const cm = ctx.snapshot
      .list(K.ConfigMap)
      .find((c) => c.metadata.name === injectorConfigMapName(l[REVISION_LABEL] ?? ""));
    if (cm) enabledByDefault = enabledNamespacesByDefault(cm);
    const modes = [
      ...(injection === "enabled" ? [INJECTION_LABEL] : []),
      ...(hasRevision ? [REVISION_LABEL] : []),
      ...(ambient ? [DATAPLANE_MODE] : []),
    ];
    if (modes.length > 1) {
      ctx.report(r, "NamespaceMultipleInjectionLabels", modes);
      continue;
    }
    if (injection === "" && !hasRevision && !ambient) {
      if (enabledByDefault) ctx.report(r, "NamespaceInjectionEnabledByDefault");
      else ctx.report(r, "NamespaceNotInjected", ns, ns);
      continue;
    }
    // Any other legacy label value (e.g. disabled) deliberately opts out; ambient needs no proxy.
    if (hasRevision || injection === "enabled") injected.add(ns);
  }
  return injected;
}

function enabledNamespacesByDefault(cm: Resource): boolean {
  const webhook = injectorValues(cm).sidecarInjectorWebhook;
  return (
    (webhook as { enableNamespacesByDefault?: unknown } | undefined)?.enableNamespacesByDefault ===
    true
  );
}
