// ConfigSource.initial_fetch_timeout through a real proxy and a scripted xDS server: an EDS
// assignment or a CDS response that never comes no longer holds initialization (Envoy goes on
// after the timeout, with the cluster empty), and a late assignment still takes effect.

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { type JsonObject, TYPE_URL } from "../../src/envoy/index.ts";
import {
  type Backend,
  httpListener,
  lbEndpoint,
  request,
  startBackend,
  startProxy,
  staticCluster,
  type TestProxy,
} from "./helpers.ts";
import { ScriptedXds } from "./xds-server.ts";

const servers: ScriptedXds[] = [];
const proxies: TestProxy[] = [];
let a: Backend | undefined;

after(async () => {
  for (const p of proxies) await p.stop();
  for (const s of servers) s.stop();
  await a?.close();
});

function bootstrap(xdsPort: number, cdsTimeout?: string) {
  return {
    node: { id: "sidecar~127.0.0.1~t.default~default.svc.cluster.local", cluster: "t" },
    dynamic_resources: {
      ads_config: {
        api_type: "GRPC",
        transport_api_version: "V3",
        grpc_services: [{ envoy_grpc: { cluster_name: "xds-grpc" } }],
      },
      cds_config: { ads: {}, resource_api_version: "V3", initial_fetch_timeout: cdsTimeout },
      lds_config: { ads: {}, resource_api_version: "V3" },
    },
    static_resources: { clusters: [staticCluster("xds-grpc", xdsPort)] },
  };
}

/** A listener with an inline route config, as the xDS server sends it. */
const dynListener = (routeConfig: unknown) =>
  httpListener("dyn", routeConfig) as unknown as JsonObject;

const routes = (routeAction: Record<string, unknown>) => ({
  name: "r",
  virtual_hosts: [
    { name: "vh", domains: ["*"], routes: [{ match: { prefix: "/" }, ...routeAction }] },
  ],
});

async function start(
  cdsTimeout?: string,
): Promise<{ xds: ScriptedXds; px: () => Promise<TestProxy> }> {
  const xds = new ScriptedXds();
  servers.push(xds);
  await xds.start();
  return {
    xds,
    px: async () => {
      const px = await startProxy(bootstrap(xds.port, cdsTimeout));
      proxies.push(px);
      await px.running.ready;
      return px;
    },
  };
}

const stats = (px: TestProxy) => request(px.running.adminPort, "/stats").then((r) => r.body);

test("an EDS assignment that never comes: ready after the timeout, then the late one applies", async () => {
  a = await startBackend("A");
  const { xds, px: run } = await start();
  xds.set(TYPE_URL.CLUSTER, "c1", [
    {
      name: "A",
      type: "EDS",
      connect_timeout: "1s",
      eds_cluster_config: { eds_config: { ads: {}, initial_fetch_timeout: "0.2s" } },
    },
  ]);
  xds.set(TYPE_URL.LISTENER, "l1", [dynListener(routes({ route: { cluster: "A" } }))]);
  const px = await run();
  const first = await request(px.port("dyn"), "/x");
  assert.equal(first.status, 503);
  assert.equal(first.body, "no healthy upstream");
  assert.match(await stats(px), /^cluster\.A\.init_fetch_timeout: 1$/m);
  xds.set(TYPE_URL.CLUSTER_LOAD_ASSIGNMENT, "e1", [
    { cluster_name: "A", endpoints: [{ lb_endpoints: [lbEndpoint(a.port)] }] },
  ]);
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    status = (await request(px.port("dyn"), "/x")).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(status, 200);
});

test("a CDS response that never comes: listeners are asked for after cds_config's timeout", async () => {
  const { xds, px: run } = await start("0.2s");
  xds.set(TYPE_URL.LISTENER, "l1", [
    dynListener(routes({ direct_response: { status: 200, body: { inline_string: "up" } } })),
  ]);
  const px = await run();
  assert.equal((await request(px.port("dyn"), "/")).body, "up");
  assert.match(await stats(px), /^cluster_manager\.cds\.init_fetch_timeout: 1$/m);
});
