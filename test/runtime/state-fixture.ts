// A local mesh's state directory laid out as `mast up` leaves it (applied config, the cluster
// objects, one bootstrap per proxy, block 42), without starting any process: the commands that
// read the state (apply --dry-run, analyze, x describe) are tested against it.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { proxyBootstrap } from "../../src/runtime/bootstrap.ts";
import { applyToConfigDir } from "../../src/runtime/config-dir.ts";
import { ensureHome, mastHome } from "../../src/runtime/home.ts";
import {
  GATEWAY_POD,
  gatewayResources,
  loadResources,
  workloadName,
} from "../../src/runtime/mesh.ts";
import { planWorkloads } from "../../src/runtime/plan.ts";
import { gatewayIP, pilotIP } from "../../src/runtime/state.ts";
import { BOOKINFO } from "../registry/fixtures.ts";

export const BLOCK = 42;
export const NETWORKING = `${BOOKINFO}networking/`;

/** Bookinfo's state in `root` (MAST_HOME) with `apply` (corpus networking files) applied. */
export function bookinfoState(root: string, apply: readonly string[]): void {
  const home = ensureHome(mastHome({ MAST_HOME: root }));
  writeFileSync(home.stateFile, `${JSON.stringify({ block: BLOCK })}\n`);
  applyToConfigDir(home.config, loadResources(apply.map((f) => NETWORKING + f)));
  const manifests = loadResources([`${BOOKINFO}platform/kube/bookinfo.yaml`]);
  const plan = planWorkloads(manifests, BLOCK);
  mkdirSync(home.cluster, { recursive: true });
  const clusterKinds = new Set(["Service", "ServiceAccount", "Deployment.apps"]);
  applyToConfigDir(home.cluster, [
    ...manifests.filter((r) => clusterKinds.has(r.kind.id)),
    ...plan.podResources,
    ...gatewayResources(BLOCK),
  ]);
  const pilot = { host: pilotIP(BLOCK), port: 15010 };
  const write = (name: string, b: object) =>
    writeFileSync(join(home.run, `${name}.bootstrap.json`), JSON.stringify(b));
  const labels = { app: "istio-ingressgateway", istio: "ingressgateway" };
  write(
    "istio-ingressgateway",
    proxyBootstrap(
      {
        type: "router",
        podIP: gatewayIP(BLOCK),
        podName: GATEWAY_POD,
        namespace: "istio-system",
        labels,
        serviceAccount: "istio-ingressgateway-service-account",
        workloadName: "istio-ingressgateway",
      },
      pilot,
    ),
  );
  for (const p of plan.pods) {
    write(
      `${workloadName(p, plan.pods)}-proxy`,
      proxyBootstrap(
        {
          type: "sidecar",
          podIP: p.podIP,
          podName: p.name,
          namespace: p.namespace,
          labels: p.labels,
          serviceAccount: p.serviceAccount,
          workloadName: p.deployment,
          appIP: p.appIP,
        },
        pilot,
      ),
    );
  }
}
