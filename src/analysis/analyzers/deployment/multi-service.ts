// deployment.MultiServiceAnalyzer: the Services selecting a meshed Deployment's pods must not
// give one port different protocols, nor map one targetPort from different ports.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer, Context } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { fullName, getOrInit, labels, num, objs, str } from "../../util/fields.ts";
import { deploymentInMesh, podTemplate } from "../../util/mesh-membership.ts";
import { selectorMatches } from "../../util/selectors.ts";

const GATEWAY_MANAGED = "gateway.istio.io/managed";
const MESH_CONTROLLER = "istio.io-mesh-controller";

export const multiServiceAnalyzer: Analyzer = {
  name: "deployment.MultiServiceAnalyzer",
  description: "Checks association between services and pods",
  inputs: [K.Service, K.Deployment, K.Namespace],
  analyze(ctx) {
    for (const d of ctx.snapshot.list(K.Deployment)) {
      if (d.metadata.labels?.[GATEWAY_MANAGED] === MESH_CONTROLLER) continue; // waypoint
      if (!deploymentInMesh(d, ctx.snapshot)) continue;
      const services = matchingServices(ctx, d);
      checkPortProtocols(ctx, d, services);
      checkTargetPorts(ctx, d, services);
    }
  },
};

function matchingServices(ctx: Context, d: Resource): Resource[] {
  const podLabels = labels(podTemplate(d).metadata.labels);
  return ctx.snapshot.list(K.Service).filter((s) => {
    const sel = labels(s.spec.selector);
    return (
      Object.keys(sel).length > 0 &&
      selectorMatches(sel, podLabels) &&
      (s.metadata.namespace ?? "") === (d.metadata.namespace ?? "")
    );
  });
}

function checkPortProtocols(ctx: Context, d: Resource, services: Resource[]): void {
  const ports = new Map<number, Map<string, string[]>>();
  for (const s of services) {
    for (const p of objs(s.spec.ports)) {
      const port = num(p.port) ?? 0;
      const protocol = str(p.protocol) || "TCP";
      const m = getOrInit(ports, port, () => new Map());
      m.set(protocol, [...(m.get(protocol) ?? []), fullName(s)]);
    }
  }
  for (const [port, protocols] of ports) {
    if (protocols.size < 2) continue;
    const names = [...protocols.values()].flat().sort();
    ctx.report(d, "DeploymentAssociatedToMultipleServices", d.metadata.name, port, names);
  }
}

function checkTargetPorts(ctx: Context, d: Resource, services: Resource[]): void {
  const targets = new Map<string, Map<number, string>>();
  for (const s of services) {
    for (const p of objs(s.spec.ports)) {
      const port = num(p.port) ?? 0;
      let target = str(p.targetPort);
      if (target === "" || target === "0") target = String(port);
      const m = getOrInit(targets, target, () => new Map());
      m.set(port, fullName(s));
    }
  }
  for (const [target, byPort] of targets) {
    if (byPort.size < 2) continue;
    const names = [...byPort.values()].sort();
    const ports = [...byPort.keys()].sort((a, b) => a - b);
    ctx.report(d, "DeploymentConflictingPorts", d.metadata.name, names, target, ports);
  }
}
