// Control-plane benchmark client pool: COUNT real gRPC ADS streams (SotW) that behave like Envoy
// sidecars: subscribe to CDS and LDS, then EDS for the clusters they got, and ACK every response.
// Usage: PORT COUNT. Prints JSON lines on stdout; reads "mark TYPES" lines on stdin.
//   {"synced": ns, "started": ns, "responses": n}  every client has CDS, EDS and LDS
//   after "mark Cluster,Listener": {"updated": ns}  every client got (and ACKed) those types since

import { createInterface } from "node:readline";
import * as grpc from "@grpc/grpc-js";
import { ADS_SERVICE, TYPE_URL } from "../../src/envoy/index.ts";

const [portText, countText] = process.argv.slice(2);
const count = Number(countText);
const Client = grpc.makeGenericClientConstructor(ADS_SERVICE, "AggregatedDiscoveryService");
const now = () => Number(process.hrtime.bigint());

interface Response {
  version_info?: string;
  type_url: string;
  nonce: string;
  resources: Record<string, unknown>[];
}

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

const clusterName = (r: Record<string, unknown>) =>
  String((r.resource as Record<string, unknown> | undefined)?.name ?? r.name ?? "");

for (let i = 0; i < count; i++) {
  const client = new Client(`127.0.0.1:${portText}`, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 256 * 1024 * 1024,
  });
  const call = (
    client as unknown as Record<string, () => grpc.ClientDuplexStream<unknown, Response>>
  ).StreamAggregatedResources();
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const node = {
    id: `sidecar~${ip}~bench-${i}.default~default.svc.cluster.local`,
    cluster: `bench-${i}.default`,
    metadata: { NAMESPACE: "default" },
  };
  const sc: Sidecar = { seen: new Set(), synced: false, since: new Set(), done: false };
  let edsNames: string[] = [];
  sidecars.push(sc);
  call.on("data", (r: Response) => {
    const t = now();
    responses++;
    // a SotW ACK repeats the subscription: EDS without names would unsubscribe everything
    const names = r.type_url === TYPE_URL.CLUSTER_LOAD_ASSIGNMENT ? edsNames : undefined;
    call.write({
      type_url: r.type_url,
      version_info: r.version_info,
      response_nonce: r.nonce,
      resource_names: names,
    });
    if (r.type_url === TYPE_URL.CLUSTER) {
      // as Envoy does: subscribe EDS for the EDS clusters of each CDS update
      const eds = r.resources.filter((c) => c.type === "EDS" || c.eds_cluster_config !== undefined);
      const next = eds.map(clusterName).sort();
      if (next.join("\n") !== edsNames.join("\n")) {
        edsNames = next;
        call.write({ type_url: TYPE_URL.CLUSTER_LOAD_ASSIGNMENT, resource_names: edsNames });
      }
      if (eds.length === 0) sc.seen.add(TYPE_URL.CLUSTER_LOAD_ASSIGNMENT);
    }
    sc.seen.add(r.type_url);
    if (markAt && !sc.done) {
      sc.since.add(r.type_url.split(".").pop() ?? "");
      if (expected.every((k) => sc.since.has(k))) {
        sc.done = true;
        if (++updated === count) report({ updated: t });
      }
    }
    if (!sc.synced && sc.seen.size >= 3) {
      sc.synced = true;
      if (++synced === count) report({ synced: t, started, responses });
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
  for (const sc of sidecars) {
    sc.since.clear();
    sc.done = false;
  }
  markAt = now();
  report({ marked: markAt });
});
