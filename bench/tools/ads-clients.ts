// Control-plane benchmark client pool: COUNT real gRPC ADS streams that behave like Envoy
// sidecars: subscribe to CDS and LDS, then EDS for the clusters they got, and ACK every response.
// Responses are decoded down to the envelope (clusters down to name and type): Envoy decodes in
// C++, and a full decode in this one Node process would measure the pool instead of the pilot.
// Client k is the sidecar of pod k of the synthetic mesh (bench/lib/synthetic-mesh.ts).
// Usage: PORT COUNT sotw|delta SERVICES. Prints JSON lines on stdout; reads "mark TYPES" lines on stdin.
//   {"synced": ns, "started": ns, "responses": n, "bytes": b}  every client has CDS, EDS and LDS
//     (bytes: response bytes per client, on average)
//   after "mark Cluster,Listener": {"updated": ns, "bytes": b}  every client got (and ACKed)
//     those types since (bytes: per client since the mark)

import { createInterface } from "node:readline";
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { ADS_SERVICE, encodeMessage, messageType, TYPE_URL } from "../../src/envoy/index.ts";
import { ADS_CHANNEL_OPTIONS } from "../../src/proxy/xds/ads-client.ts";
import { clientPod } from "../lib/synthetic-mesh.ts";

const [portText, countText, modeText, servicesText] = process.argv.slice(2);
const count = Number(countText);
const delta = modeText === "delta";
const now = () => Number(process.hrtime.bigint());

const PKG = "envoy.service.discovery.v3";
const envelope = messageType(`${PKG}.${delta ? "Delta" : ""}DiscoveryResponse`);
// The two Cluster fields a sidecar needs to subscribe to EDS: name (1) and type (2; EDS = 3).
const ClusterLite = new protobuf.Type("ClusterLite")
  .add(new protobuf.Field("name", 1, "string"))
  .add(new protobuf.Field("type", 2, "int32"));
new protobuf.Root().define("bench").add(ClusterLite);
const EDS_TYPE = 3;

interface AnyBytes {
  type_url: string;
  value: Uint8Array;
}
interface Response {
  version_info?: string;
  type_url: string;
  nonce: string;
  /** SotW: Anys; delta: Resources wrapping them. */
  resources: (AnyBytes & { resource?: AnyBytes })[];
  bytes: number;
}

const method = delta ? "DeltaAggregatedResources" : "StreamAggregatedResources";
const def = {
  [method]: {
    ...ADS_SERVICE[method],
    requestSerialize: (v: unknown) =>
      Buffer.from(encodeMessage(`${PKG}.${delta ? "Delta" : ""}DiscoveryRequest`, v)),
    responseDeserialize: (b: Buffer): Response => ({
      ...(envelope.decode(b) as unknown as Response),
      bytes: b.length,
    }),
  },
};
const Client = grpc.makeGenericClientConstructor(def, "ADS");

interface Sidecar {
  readonly seen: Set<string>;
  synced: boolean;
  /** Types received since the last mark. */
  readonly since: Set<string>;
  done: boolean;
}

const sidecars: Sidecar[] = [];
const started = now();
let synced = 0;
let markAt = 0;
let expected: string[] = [];
let updated = 0;
let responses = 0;
let bytes = 0;
let bytesAtMark = 0;

function edsClusters(r: Response): string[] {
  const out: string[] = [];
  for (const a of r.resources) {
    const c = ClusterLite.decode((a.resource ?? a).value) as unknown as {
      name: string;
      type: number;
    };
    if (c.type === EDS_TYPE) out.push(c.name);
  }
  return out.sort();
}

for (let i = 0; i < count; i++) {
  const client = new Client(
    `127.0.0.1:${portText}`,
    grpc.credentials.createInsecure(),
    ADS_CHANNEL_OPTIONS,
  );
  const call = (
    client as unknown as Record<string, () => grpc.ClientDuplexStream<unknown, Response>>
  )[method]();
  const pod = clientPod(i, Number(servicesText));
  const node = {
    id: `sidecar~${pod.ip}~${pod.name}.default~default.svc.cluster.local`,
    cluster: `svc-${pod.service}.default`,
    metadata: { NAMESPACE: "default", LABELS: { app: `svc-${pod.service}` } },
  };
  const sc: Sidecar = { seen: new Set(), synced: false, since: new Set(), done: false };
  let edsNames: string[] = [];
  sidecars.push(sc);
  call.on("data", (r: Response) => {
    const t = now();
    responses++;
    bytes += r.bytes;
    if (delta) call.write({ type_url: r.type_url, response_nonce: r.nonce });
    else {
      // a SotW ACK repeats the subscription: EDS without names would unsubscribe everything
      const names = r.type_url === TYPE_URL.CLUSTER_LOAD_ASSIGNMENT ? edsNames : undefined;
      call.write({
        type_url: r.type_url,
        version_info: r.version_info,
        response_nonce: r.nonce,
        resource_names: names,
      });
    }
    if (r.type_url === TYPE_URL.CLUSTER) {
      // as Envoy does: subscribe EDS for the EDS clusters of each CDS update
      const next = edsClusters(r);
      if (next.join("\n") !== edsNames.join("\n")) {
        const had = new Set(edsNames);
        const added = next.filter((n) => !had.has(n));
        edsNames = next;
        call.write(
          delta
            ? { type_url: TYPE_URL.CLUSTER_LOAD_ASSIGNMENT, resource_names_subscribe: added }
            : { type_url: TYPE_URL.CLUSTER_LOAD_ASSIGNMENT, resource_names: edsNames },
        );
      }
      if (next.length === 0) sc.seen.add(TYPE_URL.CLUSTER_LOAD_ASSIGNMENT);
    }
    sc.seen.add(r.type_url);
    if (markAt && !sc.done) {
      sc.since.add(r.type_url.split(".").pop() ?? "");
      if (expected.every((k) => sc.since.has(k))) {
        sc.done = true;
        if (++updated === count)
          report({ updated: t, bytes: Math.round((bytes - bytesAtMark) / count) });
      }
    }
    if (!sc.synced && sc.seen.size >= 3) {
      sc.synced = true;
      if (++synced === count)
        report({ synced: t, started, responses, bytes: Math.round(bytes / count) });
    }
  });
  call.on("error", () => {});
  call.write({ node, type_url: TYPE_URL.CLUSTER });
  call.write({ node, type_url: TYPE_URL.LISTENER });
}

function report(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const [word, types] = line.trim().split(/\s+/);
  if (word !== "mark") return;
  expected = (types ?? "Cluster").split(",");
  updated = 0;
  bytesAtMark = bytes;
  for (const sc of sidecars) {
    sc.since.clear();
    sc.done = false;
  }
  markAt = now();
  report({ marked: markAt });
});

process.on("SIGTERM", () => process.exit(0));
