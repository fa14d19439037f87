// The config-churn scenario of issue #6: "config changes under load (1,000 rps for 30 s while
// listeners, routes and clusters change 20 times): zero failed requests". `mast proxy`, pinned to
// the proxy core, gets all its config over ADS from the test suite's ScriptedXds, which runs in
// the harness process and plays the script of test/proxy/churn.ts; clusters A and B are the
// backend's two HTTP/1.1 ports. While `mast load` sends 1,000 rps (open loop), the server pushes
// 20 changes spread over the run, and afterwards every one of them must have been ACKed.

import { writeFileSync } from "node:fs";
import type { DiscoveryRequest } from "../../src/envoy/index.ts";
import {
  acked,
  type ChurnChange,
  type ChurnPorts,
  churnChange,
  churnInitial,
} from "../../test/proxy/churn.ts";
import { staticCluster } from "../../test/proxy/helpers.ts";
import { ScriptedXds } from "../../test/proxy/xds-server.ts";
import { type Measurement, mastLoad } from "./generators.ts";
import { freePort, type Proc, startPinned, stop, waitPort } from "./procs.ts";
import { MAST_BIN } from "./systems.ts";

export const CHURN = {
  name: "config-churn",
  title:
    "HTTP/1.1 keep-alive, 1 KiB, 1,000 rps, 16 conns (mast load, open loop) to `mast proxy` fed over ADS while a scripted xDS server makes 20 listener, route and cluster changes (issue #6: zero errors)",
  changes: 20,
};

/** The first change comes this long after `mast load` starts (its own start-up takes ~0.3 s). */
const FIRST_CHANGE_MS = 1000;

export interface ChurnRun {
  readonly measurement: Measurement;
  readonly changes: readonly ChurnChange[];
  readonly acked: number;
  /** xDS requests carrying an error_detail: config the proxy rejected. */
  readonly nacks: number;
  readonly spacingSec: number;
  /** Requests the proxy sent to clusters A and B during the run (their upstream_rq_total). */
  readonly viaA: number;
  readonly viaB: number;
}

export interface ChurnProxy {
  readonly proc: Proc;
  readonly url: string;
  /** 1,000 rps for durationSec while the changes are pushed; then checks their ACKs. */
  run(cpus: string, durationSec: number): Promise<ChurnRun>;
  stop(): Promise<void>;
}

/** upstream_rq_total of clusters A and B from the proxy's admin /stats. */
async function upstreamRequests(adminPort: number): Promise<{ a: number; b: number }> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/stats?filter=upstream_rq_total`);
  const text = await res.text();
  const get = (c: string) =>
    Number(new RegExp(`^cluster\\.${c}\\.upstream_rq_total: (\\d+)$`, "m").exec(text)?.[1] ?? 0);
  return { a: get("A"), b: get("B") };
}

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

/** Starts the scripted xDS server and `mast proxy` on it, and waits for the first config's ACKs. */
export async function startChurnProxy(
  dir: string,
  backend: { readonly a: number; readonly b: number },
  proxyCpus: string,
): Promise<ChurnProxy> {
  const xds = new ScriptedXds();
  await xds.start();
  const ports: ChurnPorts = { listen: await freePort(), ...backend };
  const initial = churnInitial(xds, ports);
  const adminPort = await freePort();
  const bootstrap = `${dir}/config-churn-bootstrap.json`;
  writeFileSync(
    bootstrap,
    JSON.stringify({
      node: { id: "sidecar~127.0.0.1~churn.default~default.svc.cluster.local" },
      admin: {
        address: { socket_address: { address: "127.0.0.1", port_value: adminPort } },
      },
      dynamic_resources: {
        ads_config: { api_type: "GRPC", grpc_services: [{ envoy_grpc: { cluster_name: "xds" } }] },
        lds_config: { ads: {} },
        cds_config: { ads: {} },
      },
      static_resources: { clusters: [staticCluster("xds", xds.port)] },
    }),
  );
  const args = ["proxy", "--bootstrap", bootstrap, "--readiness-port", "-1"];
  const proc = startPinned("config-churn", proxyCpus, MAST_BIN, args, `${dir}/config-churn.log`);
  try {
    await waitPort(proc, ports.listen);
    for (const c of initial) {
      if (!(await acked(xds, c))) throw new Error(`the initial ${c.kind} config was not ACKed`);
    }
  } catch (err) {
    await stop(proc);
    xds.stop();
    throw err;
  }
  const url = `http://127.0.0.1:${ports.listen}/`;
  let next = 1;
  return {
    proc,
    url,
    async run(cpus, durationSec) {
      // the last change lands about a second before the load ends
      const spacingSec = (durationSec - 2) / CHURN.changes;
      const changes: ChurnChange[] = [];
      const before = await upstreamRequests(adminPort);
      const t0 = Date.now();
      const script = async () => {
        for (let i = 0; i < CHURN.changes; i++) {
          await sleepUntil(t0 + FIRST_CHANGE_MS + i * spacingSec * 1000);
          changes.push(churnChange(xds, ports, next++));
        }
      };
      const [measurement] = await Promise.all([
        mastLoad(cpus, url, ["-qps", "1000", "-c", "16"], durationSec),
        script(),
      ]);
      const acks = await Promise.all(changes.map((c) => acked(xds, c)));
      const after = await upstreamRequests(adminPort);
      return {
        measurement,
        changes,
        acked: acks.filter(Boolean).length,
        nacks: xds.requests.filter((r) => (r as DiscoveryRequest).error_detail).length,
        spacingSec,
        viaA: after.a - before.a,
        viaB: after.b - before.b,
      };
    },
    async stop() {
      await stop(proc);
      xds.stop();
    },
  };
}
