// applicationUID.Analyzer: application containers must not run as UID 1337, the sidecar
// proxy's user (its traffic would bypass capture).

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer, Context } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { num, type Obj, obj, objs, str } from "../../util/fields.ts";
import {
  ISTIO_OPERATOR,
  ISTIO_PROXY,
  isControlPlane,
  podTemplate,
} from "../../util/mesh-membership.ts";

const PROXY_UID = 1337;

export const applicationUidAnalyzer: Analyzer = {
  name: "applicationUID.Analyzer",
  description: "Checks invalid application UID",
  inputs: [K.Pod, K.Deployment],
  analyze(ctx) {
    for (const p of ctx.snapshot.list(K.Pod)) check(ctx, p, p.spec);
    for (const d of ctx.snapshot.list(K.Deployment)) check(ctx, d, podTemplate(d).spec);
  },
};

function check(ctx: Context, r: Resource, spec: Obj): void {
  if (isControlPlane(r)) return;
  const containers = objs(spec.containers).filter((c) => {
    const name = str(c.name);
    return name !== ISTIO_PROXY && name !== ISTIO_OPERATOR;
  });
  // One message per workload, however many places set the UID.
  const runsAsProxy =
    num(obj(spec.securityContext).runAsUser) === PROXY_UID ||
    containers.some((c) => num(obj(c.securityContext).runAsUser) === PROXY_UID);
  if (runsAsProxy) ctx.report(r, "InvalidApplicationUID");
}
