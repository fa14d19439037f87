// A local mesh's state directory laid out as `mast up` leaves it (applied config, the cluster
// objects, one bootstrap per proxy, block 42), without starting any process: the commands that
// read the state (apply --dry-run, analyze, x describe) are tested against it.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { proxyBootstrap } from "../../src/runtime/bootstrap.ts";
import { applyToConfigDir } from "../../src/runtime/config-dir.ts";
import { ensureHome, mastHome } from "../../src/runtime/home.ts";
import { clusterResources, loadResources, proxyNodes } from "../../src/runtime/mesh.ts";
import { planWorkloads } from "../../src/runtime/plan.ts";
import { pilotIP } from "../../src/runtime/state.ts";
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
  applyToConfigDir(home.cluster, clusterResources(manifests, plan, BLOCK));
  const pilot = { host: pilotIP(BLOCK), port: 15010 };
  for (const [name, node] of proxyNodes(plan, BLOCK)) {
    const file = join(home.run, `${name}.bootstrap.json`);
    writeFileSync(file, JSON.stringify(proxyBootstrap(node, pilot)));
  }
}
