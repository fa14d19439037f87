// Endpoint-only changes (Istio's EDS-only update): a batch of EndpointSlice/Endpoints events
// updates the endpoints of the services it names and keeps everything else of the registry; the
// result equals a full rebuild. Any other kind in the batch means a full rebuild.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeEvent } from "../../src/config/store.ts";
import { endpointOnlyServices } from "../../src/model/changes.ts";
import { PushContext } from "../../src/model/push-context.ts";
import { buildRegistry } from "../../src/registry/registry.ts";
import { resourcesFromText, storeOf } from "../registry/fixtures.ts";

function service(name: string, ips: string[]): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
  clusterIP: 10.96.0.${name.length}
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${name}-x1, namespace: default, labels: {kubernetes.io/service-name: ${name}}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
${ips.map((ip) => `- addresses: ["${ip}"]`).join("\n")}
`;
}

describe("endpoint-only registry updates", () => {
  it("re-reads only the changed services' endpoints and equals a full rebuild", () => {
    const store = storeOf(
      resourcesFromText(`${service("a", ["10.0.0.1"])}---\n${service("bb", ["10.0.1.1"])}`),
    );
    const prev = PushContext.build(store);
    let events: ChangeEvent[] = [];
    store.subscribe((e) => {
      events = [...e];
    });
    const slice = resourcesFromText(service("a", ["10.0.0.1", "10.0.0.2"])).filter(
      (r) => r.kind.id === "EndpointSlice.discovery.k8s.io",
    );
    store.commit(slice.map((resource) => ({ op: "apply" as const, resource })));
    const changed = endpointOnlyServices(events);
    assert.deepEqual(changed, new Set(["default/a"]));
    const next = PushContext.rebuild(prev, store, true, "2", changed);
    const full = buildRegistry(store);
    const eps = (r: typeof full, host: string) =>
      r.endpoints(r.servicesByHost(host)[0]!).map((e) => e.address);
    assert.deepEqual(eps(next.registry, "a.default.svc.cluster.local"), ["10.0.0.1", "10.0.0.2"]);
    for (const host of ["a.default.svc.cluster.local", "bb.default.svc.cluster.local"])
      assert.deepEqual(eps(next.registry, host), eps(full, host));
    // Services are reused, not rebuilt.
    assert.equal(next.registry.services[0], prev.registry.services[0]);
  });

  it("is not endpoint-only when the batch has another kind or a slice names no service", () => {
    const store = storeOf([]);
    let events: ChangeEvent[] = [];
    store.subscribe((e) => {
      events = [...e];
    });
    store.commit(
      resourcesFromText(service("a", ["10.0.0.1"])).map((resource) => ({
        op: "apply" as const,
        resource,
      })),
    );
    assert.equal(endpointOnlyServices(events), undefined);
    store.commit(
      resourcesFromText(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: orphan, namespace: default}
addressType: IPv4
endpoints: []
`).map((resource) => ({ op: "apply" as const, resource })),
    );
    assert.equal(endpointOnlyServices(events), undefined);
  });
});
