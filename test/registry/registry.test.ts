// The service registry from Kubernetes objects and ServiceEntries: services and endpoints.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostMatches, resolveShortName } from "../../src/registry/hosts.ts";
import { kubePortProtocol, parseProtocol } from "../../src/registry/protocol.ts";
import { buildRegistry } from "../../src/registry/registry.ts";
import { bookinfoResources, resourcesFromText, storeOf } from "./fixtures.ts";

const registryOf = (yaml: string) => buildRegistry(storeOf(resourcesFromText(yaml)));

describe("registry: Kubernetes", () => {
  it("builds Bookinfo's services with Istio host names and pod endpoints", () => {
    const reg = buildRegistry(storeOf(bookinfoResources()));
    assert.deepEqual(
      reg.services.map((s) => s.hostname),
      [
        "details.default.svc.cluster.local",
        "productpage.default.svc.cluster.local",
        "ratings.default.svc.cluster.local",
        "reviews.default.svc.cluster.local",
      ],
    );
    const reviews = reg.servicesByHost("reviews.default.svc.cluster.local")[0];
    assert.equal(reviews.ports[0].protocol, "HTTP");
    const eps = reg.endpoints(reviews);
    assert.equal(eps.length, 3);
    assert.deepEqual(eps.map((e) => e.labels.version).sort(), ["v1", "v2", "v3"]);
    assert.ok(eps.every((e) => e.serviceAccount === "bookinfo-reviews" && e.port === 9080));
    assert.ok(eps.every((e) => e.healthy && e.tlsMode === "istio"));
  });

  it("reads EndpointSlices, readiness, node locality and named target ports", () => {
    const reg = registryOf(`
apiVersion: v1
kind: Node
metadata:
  name: n1
  labels: {topology.kubernetes.io/region: us-east, topology.kubernetes.io/zone: us-east-1a, topology.istio.io/subzone: rack1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: 10.96.0.10
  selector: {app: web}
  ports:
  - {name: web, port: 80, targetPort: http, appProtocol: kubernetes.io/h2c}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {nodeName: n1, serviceAccountName: web-sa}
status: {podIP: 10.1.0.1, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: shop, labels: {app: web}}
spec: {serviceAccountName: web-sa}
status: {podIP: 10.1.0.2, conditions: [{type: Ready, status: "False"}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: web, port: 8080}]
endpoints:
- {addresses: [10.1.0.1], conditions: {ready: true}, targetRef: {kind: Pod, name: web-1}}
- {addresses: [10.1.0.2], conditions: {ready: false}, targetRef: {kind: Pod, name: web-2}, zone: z2}
`);
    const [web] = reg.servicesByHost("web.shop.svc.cluster.local");
    assert.equal(web.address, "10.96.0.10");
    assert.equal(web.ports[0].protocol, "HTTP2");
    const eps = reg.endpoints(web);
    assert.deepEqual(
      eps.map((e) => [e.address, e.port, e.healthy, e.locality.zone, e.serviceAccount]),
      [
        ["10.1.0.1", 8080, true, "us-east-1a", "web-sa"],
        ["10.1.0.2", 8080, false, "", "web-sa"],
      ],
    );
    assert.equal(eps[0].locality.subzone, "rack1");
  });

  it("treats clusterIP None as headless passthrough and ExternalName as DNS", () => {
    const reg = registryOf(`
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec: {clusterIP: None, selector: {app: db}, ports: [{name: tcp-db, port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: data}
spec: {type: ExternalName, externalName: example.com, ports: [{name: https, port: 443}]}
`);
    const [db] = reg.servicesByHost("db.data.svc.cluster.local");
    assert.equal(db.resolution, "Passthrough");
    assert.equal(db.headless, true);
    assert.equal(db.ports[0].protocol, "TCP");
    const [ext] = reg.servicesByHost("ext.data.svc.cluster.local");
    assert.equal(ext.resolution, "DNSLB");
    assert.deepEqual(
      reg.endpoints(ext).map((e) => `${e.address}:${e.port}`),
      ["example.com:443"],
    );
  });
});

describe("registry: ServiceEntry and WorkloadEntry", () => {
  const text = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: ns1}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: https, protocol: TLS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: static, namespace: ns1}
spec:
  hosts: [db.internal]
  addresses: [192.0.2.10/32]
  location: MESH_INTERNAL
  ports: [{number: 3306, name: mysql, protocol: MYSQL}]
  resolution: STATIC
  endpoints:
  - {address: 198.18.0.1, locality: r1/z1, weight: 3}
  - {address: 198.18.0.2, ports: {mysql: 13306}, labels: {security.istio.io/tlsMode: istio}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: vms, namespace: ns1}
spec:
  hosts: [vm.ns1.svc.cluster.local]
  location: MESH_INTERNAL
  ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
  resolution: STATIC
  workloadSelector: {labels: {app: vm}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: ns1}
spec: {address: 198.18.1.1, labels: {app: vm}, serviceAccount: vm-sa, locality: r2/z2/s2}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-other, namespace: ns2}
spec: {address: 198.18.1.2, labels: {app: vm}}
`;
  const reg = registryOf(text);

  it("resolves DNS entries to the host itself", () => {
    const [svc] = reg.servicesByHost("api.example.com");
    assert.equal(svc.resolution, "DNSLB");
    assert.equal(svc.meshExternal, true);
    assert.equal(svc.ports[0].protocol, "TLS");
    assert.deepEqual(
      reg.endpoints(svc).map((e) => e.address),
      ["api.example.com"],
    );
  });

  it("uses inline endpoints with their ports, weights, localities and VIPs", () => {
    const [svc] = reg.servicesByHost("db.internal");
    assert.equal(svc.address, "192.0.2.10");
    assert.equal(svc.meshExternal, false);
    assert.equal(svc.ports[0].protocol, "MySQL");
    const eps = reg.endpoints(svc);
    assert.deepEqual(
      eps.map((e) => [e.address, e.port, e.weight, e.locality.zone, e.tlsMode]),
      [
        ["198.18.0.1", 3306, 3, "z1", "disabled"],
        ["198.18.0.2", 13306, 1, "", "istio"],
      ],
    );
  });

  it("selects WorkloadEntries in the entry's namespace only", () => {
    const [svc] = reg.servicesByHost("vm.ns1.svc.cluster.local");
    const eps = reg.endpoints(svc);
    assert.deepEqual(
      eps.map((e) => [e.address, e.port, e.serviceAccount, e.locality.subzone]),
      [["198.18.1.1", 8080, "vm-sa", "s2"]],
    );
  });
});

describe("registry: names and protocols", () => {
  it("resolves short names against the rule's namespace", () => {
    assert.equal(resolveShortName("reviews", "ns"), "reviews.ns.svc.cluster.local");
    assert.equal(resolveShortName("reviews.other", "ns"), "reviews.other");
    assert.equal(resolveShortName("*", "ns"), "*");
    assert.ok(hostMatches("*.example.com", "a.example.com"));
    assert.ok(!hostMatches("*.example.com", "example.com"));
    assert.ok(hostMatches("*.example.com", "*.a.example.com"));
  });

  it("selects protocols as Istio: UDP, appProtocol, name prefix, sniffing", () => {
    assert.equal(kubePortProtocol({ name: "http-web", port: 80, protocol: "UDP" }), "UDP");
    assert.equal(kubePortProtocol({ name: "tcp", port: 80, appProtocol: "http" }), "HTTP");
    assert.equal(
      kubePortProtocol({ name: "x", port: 80, appProtocol: "kubernetes.io/wss" }),
      "HTTPS",
    );
    assert.equal(kubePortProtocol({ name: "GRPC-api", port: 80 }), "GRPC");
    assert.equal(kubePortProtocol({ name: "grpc-web", port: 80 }), "GRPC-Web");
    assert.equal(kubePortProtocol({ name: "http2", port: 80 }), "HTTP2");
    assert.equal(kubePortProtocol({ name: "web", port: 80 }), "UNSUPPORTED");
    assert.equal(kubePortProtocol({ name: "web", port: 3306 }), "TCP");
    assert.equal(kubePortProtocol({ port: 27017 }), "TCP");
    assert.equal(parseProtocol("mongo"), "Mongo");
  });
});
