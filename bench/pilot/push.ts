// Control-plane push benchmark (`node bench/pilot/push.ts [--services 1000] [--endpoints 10]
// [--clients 500]`): a mesh of S services × E endpoints, C connected SotW clients in child
// processes; measures the initial full push, a one-service change to the last ACK, a mesh-wide
// change to the last ACK, and the pilot's memory. Writes bench/results/pilot-push-{sotw,delta}.json (`--delta` for delta clients).

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Resource } from "../../src/api/resource.ts";
import { toResource } from "../../src/api/validate.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { TYPE_URL } from "../../src/envoy/index.ts";
import { Pilot } from "../../src/xds/pilot.ts";

const { values } = parseArgs({
  options: {
    services: { type: "string", default: "1000" },
    endpoints: { type: "string", default: "10" },
    clients: { type: "string", default: "500" },
    procs: { type: "string", default: "4" },
    delta: { type: "boolean", default: false },
  },
});
const S = Number(values.services);
const E = Number(values.endpoints);
const C = Number(values.clients);
const P = Number(values.procs);
const NS = 10;
const HERE = fileURLToPath(new URL("./", import.meta.url));

function res(body: Record<string, unknown>): Resource {
  const r = toResource({ body, origin: { doc: 0 } });
  if (!r.ok) throw new Error(r.diagnostic.message);
  return r.resource;
}

function mesh(): Resource[] {
  const out: Resource[] = [];
  for (let i = 0; i < S; i++) {
    const ns = `ns-${i % NS}`;
    out.push(
      res({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: `svc-${i}`, namespace: ns },
        spec: {
          clusterIP: `10.96.${Math.floor(i / 250)}.${i % 250}`,
          selector: { app: `svc-${i}` },
          ports: [{ name: "http", port: 8080 }],
        },
      }),
      res({
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
          name: `svc-${i}-abc`,
          namespace: ns,
          labels: { "kubernetes.io/service-name": `svc-${i}` },
        },
        addressType: "IPv4",
        ports: [{ name: "http", port: 8080 }],
        endpoints: Array.from({ length: E }, (_, e) => ({
          addresses: [`10.${10 + Math.floor(i / 250)}.${i % 250}.${e + 1}`],
          conditions: { ready: true },
        })),
      }),
    );
  }
  return out;
}

const store = new ConfigStore();
store.commit(mesh().map((resource) => ({ op: "apply" as const, resource })));
const pilot = new Pilot({ store, xdsAddress: "127.0.0.1:0" });
const { xdsPort } = await pilot.start();
const server = pilot.server;

/** Every connection has ACKed the current version of every type it watches that was re-sent. */
function allAcked(types: readonly string[], since: Map<object, Map<string, string>>): boolean {
  const conns = server.connections;
  if (conns.length < C) return false;
  for (const c of conns) {
    for (const t of types) {
      const w = c.watches.get(t);
      if (!w?.version) return false;
      const before = since.get(c)?.get(t);
      if (before !== undefined && w.version === before) return false;
      if (w.acked !== w.version) return false;
    }
  }
  return true;
}

function versions(): Map<object, Map<string, string>> {
  return new Map(
    server.connections.map((c) => [c, new Map([...c.watches].map(([t, w]) => [t, w.version]))]),
  );
}

const ALL = [
  TYPE_URL.CLUSTER,
  TYPE_URL.CLUSTER_LOAD_ASSIGNMENT,
  TYPE_URL.LISTENER,
  TYPE_URL.ROUTE_CONFIGURATION,
];
const t0 = performance.now();
const procs = Array.from({ length: P }, (_, i) => {
  const per = Math.ceil(C / P);
  const n = Math.min(per, C - i * per);
  return spawn(
    process.execPath,
    [
      `${HERE}ads-clients.ts`,
      String(xdsPort),
      String(n),
      String(i * per),
      String(S),
      String(NS),
      values.delta ? "1" : "0",
    ],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
});
try {
  const ok = await server.waitFor(() => allAcked(ALL, new Map()), 300_000);
  const initialMs = performance.now() - t0;
  if (!ok) throw new Error("clients did not all sync");
  global.gc?.();
  const mem = process.memoryUsage();

  // One service changes (a DestinationRule for it): every client sees that service.
  let before = versions();
  let t1 = performance.now();
  store.apply(
    res({
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata: { name: "svc-7", namespace: "ns-7" },
      spec: {
        host: "svc-7.ns-7.svc.cluster.local",
        trafficPolicy: { loadBalancer: { simple: "ROUND_ROBIN" } },
      },
    }),
  );
  await server.waitFor(() => allAcked([TYPE_URL.CLUSTER], before), 300_000);
  const oneServiceMs = performance.now() - t1;

  // One endpoint of one service changes: EDS only.
  before = versions();
  t1 = performance.now();
  store.apply(
    res({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: "svc-3-abc",
        namespace: "ns-3",
        labels: { "kubernetes.io/service-name": "svc-3" },
      },
      addressType: "IPv4",
      ports: [{ name: "http", port: 8080 }],
      endpoints: [{ addresses: ["10.99.0.1"], conditions: { ready: true } }],
    }),
  );
  await server.waitFor(() => allAcked([TYPE_URL.CLUSTER_LOAD_ASSIGNMENT], before), 300_000);
  const oneEndpointMs = performance.now() - t1;

  // A mesh-wide change (root-namespace Sidecar, REGISTRY_ONLY): every listener and route changes.
  before = versions();
  t1 = performance.now();
  store.apply(
    res({
      apiVersion: "networking.istio.io/v1",
      kind: "Sidecar",
      metadata: { name: "default", namespace: "istio-system" },
      spec: { outboundTrafficPolicy: { mode: "REGISTRY_ONLY" } },
    }),
  );
  await server.waitFor(
    () => allAcked([TYPE_URL.LISTENER, TYPE_URL.ROUTE_CONFIGURATION], before),
    300_000,
  );
  const fullMs = performance.now() - t1;
  const result = {
    services: S,
    endpointsPerService: E,
    clients: C,
    protocol: values.delta ? "delta" : "sotw",
    debounceMs: 100,
    initialSyncMs: Math.round(initialMs),
    oneServiceChangeToLastAckMs: Math.round(oneServiceMs),
    oneEndpointChangeToLastAckMs: Math.round(oneEndpointMs),
    meshWideChangeToLastAckMs: Math.round(fullMs),
    rssMb: Math.round(mem.rss / 2 ** 20),
    heapUsedMb: Math.round(mem.heapUsed / 2 ** 20),
    resourcesSent: server.stats.resourcesSent,
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  mkdirSync(`${HERE}../results`, { recursive: true });
  writeFileSync(
    `${HERE}../results/pilot-push-${values.delta ? "delta" : "sotw"}.json`,
    `${JSON.stringify(result, null, 2)}\n`,
  );
} finally {
  for (const p of procs) p.kill("SIGTERM");
  await pilot.stop();
}
