// Interop with a real third-party xDS client: @grpc/grpc-js-xds proxyless gRPC channels
// (`xds:///reviews.default.svc.cluster.local:9080`) resolve through our ADS server and make real
// calls to three loopback backends (reviews v1, v2, v3).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as grpcXds from "@grpc/grpc-js-xds";
import { TYPE_URL } from "../../src/envoy/index.ts";
import { Pilot } from "../../src/xds/pilot.ts";
import { resourcesFromText, storeOf } from "../registry/fixtures.ts";

grpcXds.register();

const passthrough = (b: Buffer) => b;
const ECHO = {
  Echo: {
    path: "/mast.test.Echo/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: passthrough,
    requestDeserialize: passthrough,
    responseSerialize: passthrough,
    responseDeserialize: passthrough,
  },
} satisfies grpc.ServiceDefinition;
const EchoClient = grpc.makeGenericClientConstructor(ECHO, "Echo");
const TARGET = "xds:///reviews.default.svc.cluster.local:9080";

interface Backend {
  server: grpc.Server;
  port: number;
  calls: number;
  /** Fail this many upcoming calls with UNAVAILABLE. */
  failNext: number;
}

async function startBackend(version: string): Promise<Backend> {
  const server = new grpc.Server();
  const b: Backend = { server, port: 0, calls: 0, failNext: 0 };
  server.addService(ECHO, {
    Echo: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      b.calls++;
      if (b.failNext > 0) {
        b.failNext--;
        cb({ code: grpc.status.UNAVAILABLE, details: `${version} flaked` });
        return;
      }
      cb(null, Buffer.from(version));
    },
  });
  b.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return b;
}

function platform(ports: Record<string, number>): string {
  const docs = [
    `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {clusterIP: 10.96.0.20, selector: {app: reviews}, ports: [{name: grpc, port: 9080}]}`,
  ];
  for (const [v, port] of Object.entries(ports)) {
    docs.push(`apiVersion: v1
kind: Pod
metadata: {name: reviews-${v}, namespace: default, labels: {app: reviews, version: ${v}}}
spec: {serviceAccountName: reviews}
status: {podIP: 127.0.0.1}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: reviews-${v}, namespace: default, labels: {kubernetes.io/service-name: reviews}}
addressType: IPv4
ports: [{name: grpc, port: ${port}}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}, targetRef: {kind: Pod, name: reviews-${v}}}]`);
  }
  docs.push(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]`);
  return docs.join("\n---\n");
}

function routing(http: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
${http}`;
}

const SPLIT = routing(`  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 80}
    - {destination: {host: reviews, subset: v2}, weight: 10}
    - {destination: {host: reviews, subset: v3}, weight: 10}`);

function bootstrap(port: number): string {
  return JSON.stringify({
    xds_servers: [
      {
        server_uri: `127.0.0.1:${port}`,
        channel_creds: [{ type: "insecure" }],
        server_features: ["xds_v3"],
      },
    ],
    node: {
      id: "sidecar~127.0.0.1~client-0.default~default.svc.cluster.local",
      cluster: "client.default",
      locality: {},
      metadata: { NAMESPACE: "default", GENERATOR: "grpc" },
    },
  });
}

function call(client: grpc.Client, headers: Record<string, string> = {}): Promise<string> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return new Promise((resolve) => {
    (client as unknown as Record<string, (...args: unknown[]) => void>).Echo(
      Buffer.alloc(0),
      md,
      { deadline: Date.now() + 5000 },
      (err: grpc.ServiceError | null, res?: Buffer) =>
        resolve(err ? `error:${grpc.status[err.code]}` : String(res)),
    );
  });
}

async function tally(
  client: grpc.Client,
  n: number,
  headers?: Record<string, string>,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const batch = 50;
  for (let i = 0; i < n; i += batch) {
    const results = await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, () => call(client, headers)),
    );
    for (const r of results) out[r] = (out[r] ?? 0) + 1;
  }
  return out;
}

/**
 * Calls until `pred` holds for `streak` results in a row (bounded); returns the elapsed ms to
 * the first result of that streak, or -1.
 */
async function until(
  client: grpc.Client,
  pred: (r: string) => boolean,
  maxMs = 5000,
  streak = 1,
): Promise<number> {
  const start = performance.now();
  let run = 0;
  let firstOfRun = 0;
  while (performance.now() - start < maxMs) {
    if (!pred(await call(client))) {
      run = 0;
      continue;
    }
    if (run === 0) firstOfRun = performance.now() - start;
    if (++run >= streak) return firstOfRun;
  }
  return -1;
}

describe("proxyless gRPC (@grpc/grpc-js-xds) against mast pilot", () => {
  const backends: Record<string, Backend> = {};
  let pilot: Pilot;
  let xdsPort: number;
  let client: grpc.Client;

  const apply = (yaml: string) => {
    pilot.store.commit(
      resourcesFromText(yaml).map((resource) => ({ op: "apply" as const, resource })),
    );
  };

  before(async () => {
    for (const v of ["v1", "v2", "v3"]) backends[v] = await startBackend(v);
    const ports = Object.fromEntries(Object.entries(backends).map(([v, b]) => [v, b.port]));
    const store = storeOf(resourcesFromText(`${platform(ports)}\n---\n${SPLIT}`));
    pilot = new Pilot({ store, xdsAddress: "127.0.0.1:0", debounce: { quietMs: 5, maxMs: 50 } });
    ({ xdsPort } = await pilot.start());
    client = new EchoClient(TARGET, grpc.credentials.createInsecure(), {
      "grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config": bootstrap(xdsPort),
    });
  });

  after(async () => {
    client?.close();
    await pilot?.stop();
    for (const b of Object.values(backends)) b.server.forceShutdown();
  });

  it("splits 80/10/10 over three subsets within ±5% over 1,000 calls", async (t) => {
    assert.notEqual(
      await until(client, (r) => !r.startsWith("error")),
      -1,
      "client resolved through pilot",
    );
    const n = await tally(client, 1000);
    assert.equal((n.v1 ?? 0) + (n.v2 ?? 0) + (n.v3 ?? 0), 1000, JSON.stringify(n));
    assert.ok(Math.abs(n.v1 - 800) <= 50, `v1 ${n.v1}`);
    assert.ok(Math.abs(n.v2 - 100) <= 50, `v2 ${n.v2}`);
    assert.ok(Math.abs(n.v3 - 100) <= 50, `v3 ${n.v3}`);
    t.diagnostic(`split over 1000 calls: ${JSON.stringify(n)}`);
    const syncz = pilot.server.status().find((s) => s.generator === "grpc")!;
    assert.deepEqual(
      syncz.types.map((x) => [x.typeUrl.split(".").at(-1), x.state]),
      [
        ["Cluster", "SYNCED"],
        ["ClusterLoadAssignment", "SYNCED"],
        ["Listener", "SYNCED"],
        ["RouteConfiguration", "SYNCED"],
      ],
    );
  });

  it("routes on headers", async () => {
    const t = await tally(client, 100, { "end-user": "jason" });
    assert.deepEqual(t, { v2: 100 });
  });

  it("applies a config change within 1 s", async (t) => {
    assert.notEqual(await until(client, (r) => !r.startsWith("error")), -1);
    apply(routing(`  - route: [{destination: {host: reviews, subset: v3}}]`));
    // 30 calls in a row on v3: the old 80/10/10 split cannot do that by chance.
    const total = await until(client, (r) => r === "v3", 5000, 30);
    assert.ok(total >= 0, "change applied");
    assert.ok(total < 1000, `applied in ${total.toFixed(0)} ms`);
    t.diagnostic(`config change to first call on the new route: ${total.toFixed(1)} ms`);
    assert.deepEqual(await tally(client, 100), { v3: 100 });
  });

  it("aborts at the configured percentage", async () => {
    apply(
      routing(`  - route: [{destination: {host: reviews, subset: v1}}]
    fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 30}}}`),
    );
    await until(client, (r) => r.startsWith("error"));
    const t = await tally(client, 1000);
    const aborted = t["error:UNAVAILABLE"] ?? 0;
    assert.ok(Math.abs(aborted - 300) <= 50, `aborted ${aborted}/1000`);
    assert.equal(aborted + (t.v1 ?? 0), 1000);
  });

  it("retries failed calls", async () => {
    apply(
      routing(`  - route: [{destination: {host: reviews, subset: v2}}]
    retries: {attempts: 3, retryOn: unavailable, perTryTimeout: 2s}`),
    );
    assert.notEqual(await until(client, (r) => r === "v2", 5000, 10), -1);
    backends.v2.failNext = 2;
    const before = backends.v2.calls;
    assert.equal(await call(client), "v2", "succeeds after two retried failures");
    assert.equal(backends.v2.calls - before, 3);
    apply(
      routing(`  - route: [{destination: {host: reviews, subset: v2}}]
    retries: {attempts: 0}`),
    );
    await pilot.server.idle();
    await until(client, () => true, 50);
    // Without retries the failure reaches the caller (after the config is in).
    let failedThrough = false;
    for (let i = 0; i < 20 && !failedThrough; i++) {
      backends.v2.failNext = 1;
      failedThrough = (await call(client)) === "error:UNAVAILABLE";
      backends.v2.failNext = 0;
    }
    assert.ok(failedThrough);
  });

  it("keeps the old routes when the client NACKs a config", async () => {
    apply(routing(`  - route: [{destination: {host: reviews, subset: v1}}]`));
    assert.notEqual(await until(client, (r) => r === "v1", 5000, 10), -1);
    // gRPC clients cannot do direct responses: they NACK the route configuration.
    apply(routing(`  - directResponse: {status: 503, body: {string: nope}}`));
    const nacked = await pilot.server.waitFor(() =>
      pilot.server
        .status()
        .some((s) =>
          s.types.some((t) => t.typeUrl === TYPE_URL.ROUTE_CONFIGURATION && t.state === "NACKED"),
        ),
    );
    assert.ok(nacked, "NACK visible in syncz");
    const err =
      pilot.server
        .status()
        .flatMap((s) => s.types)
        .find((t) => t.state === "NACKED")?.error ?? "";
    assert.match(err, /unsupported action/);
    assert.deepEqual(await tally(client, 50), { v1: 50 });
  });

  it("recovers after the control plane restarts", async () => {
    const store = pilot.store;
    await pilot.stop();
    // The client keeps serving from its cache while the control plane is down.
    assert.deepEqual(await tally(client, 20), { v1: 20 });
    pilot = new Pilot({
      store,
      xdsAddress: `127.0.0.1:${xdsPort}`,
      debounce: { quietMs: 5, maxMs: 50 },
    });
    await pilot.start();
    apply(routing(`  - route: [{destination: {host: reviews, subset: v3}}]`));
    assert.notEqual(
      await until(client, (r) => r === "v3", 8000),
      -1,
      "reconnected and took the new config",
    );
  });
});
