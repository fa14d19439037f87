// Load clients for the push benchmark, run in a child process: N SotW ADS streams that behave
// like Envoy (CDS and LDS wildcard, EDS for every cluster, RDS for the port route) and ACK every
// response at once. Responses are decoded only down to the envelope.

import * as grpc from "@grpc/grpc-js";
import { ADS_SERVICE, encodeMessage, messageType } from "../../src/envoy/index.ts";

const [port, count, first, services, namespaces, deltaFlag] = process.argv.slice(2).map(Number);
const delta = deltaFlag === 1;
const envelope = messageType(`envoy.service.discovery.v3.${delta ? "Delta" : ""}DiscoveryResponse`);
const T = "type.googleapis.com/envoy.";
const CDS = `${T}config.cluster.v3.Cluster`;
const EDS = `${T}config.endpoint.v3.ClusterLoadAssignment`;
const LDS = `${T}config.listener.v3.Listener`;
const RDS = `${T}config.route.v3.RouteConfiguration`;

const method = delta ? "DeltaAggregatedResources" : "StreamAggregatedResources";
const def = {
  [method]: {
    ...ADS_SERVICE[method],
    requestSerialize: (v: unknown) =>
      Buffer.from(
        encodeMessage(`envoy.service.discovery.v3.${delta ? "Delta" : ""}DiscoveryRequest`, v),
      ),
    responseDeserialize: (b: Buffer) =>
      envelope.decode(b) as unknown as { type_url: string; nonce: string; version_info: string },
  },
};
const Client = grpc.makeGenericClientConstructor(def, "ADS");
const clusters: string[] = [];
for (let i = 0; i < services; i++)
  clusters.push(`outbound|8080||svc-${i}.ns-${i % namespaces}.svc.cluster.local`);

const clientsPerChannel = 50;
let channel: grpc.Client | undefined;
for (let i = 0; i < count; i++) {
  if (i % clientsPerChannel === 0)
    channel = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const n = first + i;
  const ns = `client-ns-${n % 10}`;
  type Envelope = { type_url: string; nonce: string; version_info?: string };
  const call = (
    channel as unknown as Record<string, () => grpc.ClientDuplexStream<unknown, Envelope>>
  )[method]();
  const node = {
    id: `sidecar~10.200.${Math.floor(n / 250)}.${n % 250}~client-${n}.${ns}~${ns}.svc.cluster.local`,
    metadata: { NAMESPACE: ns },
  };
  call.on("data", (r) => {
    if (delta) {
      call.write({ type_url: r.type_url, response_nonce: r.nonce });
      return;
    }
    const names = r.type_url === EDS ? clusters : r.type_url === RDS ? ["8080"] : [];
    call.write({
      type_url: r.type_url,
      version_info: r.version_info,
      response_nonce: r.nonce,
      resource_names: names,
    });
  });
  call.on("error", () => {});
  if (delta) {
    call.write({ node, type_url: CDS });
    call.write({ type_url: EDS, resource_names_subscribe: clusters });
    call.write({ type_url: LDS });
    call.write({ type_url: RDS, resource_names_subscribe: ["8080"] });
  } else {
    call.write({ node, type_url: CDS });
    call.write({ type_url: EDS, resource_names: clusters });
    call.write({ type_url: LDS });
    call.write({ type_url: RDS, resource_names: ["8080"] });
  }
}
process.stdout.write("started\n");
process.on("SIGTERM", () => process.exit(0));
