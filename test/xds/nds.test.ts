// NDS: Istio's NameTable for sidecars that proxy DNS. Kubernetes services with a clusterIP carry
// their short name and namespace, ServiceEntry hosts their addresses, headless services and
// address-less hosts are left out, and the table encodes as istio.networking.nds.v1.NameTable.

import assert from "node:assert/strict";
import { test } from "node:test";
import { packAny, TYPE_URL, unpackAny } from "../../src/envoy/index.ts";
import { proxyFromNode } from "../../src/model/proxy.ts";
import { PushContext } from "../../src/model/push-context.ts";
import { generate } from "../../src/xds/generators/index.ts";
import { resourcesFromText, storeOf } from "../registry/fixtures.ts";

const CONFIG = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {clusterIP: 240.240.1.2, selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: prod}
spec: {clusterIP: 240.240.3.4, selector: {app: ratings}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec: {clusterIP: None, selector: {app: db}, ports: [{name: tcp, port: 5432}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: default}
spec:
  hosts: [api.example.com]
  addresses: [240.240.9.9]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: no-address, namespace: default}
spec:
  hosts: [other.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
`;

const node = (type: string) => ({
  id: `${type}~10.1.0.5~client-0.default~default.svc.cluster.local`,
  metadata: { NAMESPACE: "default", DNS_CAPTURE: "true" },
});

test("a sidecar's name table: VIPs by hostname, Kubernetes names with short name and namespace", () => {
  const push = PushContext.build(storeOf(resourcesFromText(CONFIG)));
  const out = generate(proxyFromNode(node("sidecar"), push.registry), push, TYPE_URL.NAME_TABLE);
  assert.deepEqual([...out.keys()], [""]);
  const nt = out.get("")!;
  assert.deepEqual(nt, {
    table: {
      "api.example.com": { ips: ["240.240.9.9"], registry: "External" },
      "ratings.prod.svc.cluster.local": {
        ips: ["240.240.3.4"],
        registry: "Kubernetes",
        shortname: "ratings",
        namespace: "prod",
      },
      "reviews.default.svc.cluster.local": {
        ips: ["240.240.1.2"],
        registry: "Kubernetes",
        shortname: "reviews",
        namespace: "default",
      },
    },
  });
  // on the wire as Istio's proto, and back
  const back = unpackAny(packAny(TYPE_URL.NAME_TABLE, nt));
  assert.deepEqual(back.table, nt.table);
});

test("an empty mesh still gets a (empty) table: the agent waits for the first one", () => {
  const push = PushContext.build(storeOf([]));
  const out = generate(proxyFromNode(node("router"), push.registry), push, TYPE_URL.NAME_TABLE);
  assert.deepEqual([...out.entries()], [["", { table: {} }]]);
});
