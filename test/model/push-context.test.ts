// PushContext: proxies from Istio node ids, VirtualServices and DestinationRules by host, and
// which changes push to which proxy.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KIND } from "../../src/api/types/index.ts";
import { describeChanges, proxyNeedsPush } from "../../src/model/changes.ts";
import { proxyFromNode } from "../../src/model/proxy.ts";
import { PushContext } from "../../src/model/push-context.ts";
import {
  applyAll,
  bookinfoStore,
  bookinfoNetworking as net,
  resourcesFromFiles,
  resourcesFromText,
} from "../registry/fixtures.ts";

function bookinfoPush(extra: string, files: string[] = []) {
  const store = bookinfoStore(files, extra);
  return { store, push: PushContext.build(store) };
}

const productpage = {
  id: "sidecar~10.1.4.10~productpage-v1-0.default~default.svc.cluster.local",
  metadata: { NAMESPACE: "default" },
};

describe("PushContext", () => {
  it("parses Istio node ids and joins the proxy with its pod", () => {
    const { push } = bookinfoPush("");
    const p = proxyFromNode(productpage, push.registry);
    assert.equal(p.type, "sidecar");
    assert.equal(p.namespace, "default");
    assert.equal(p.podName, "productpage-v1-0");
    assert.equal(p.labels.app, "productpage");
    assert.equal(p.serviceAccount, "bookinfo-productpage");
    assert.throws(() => proxyFromNode({ id: "nonsense" }), /node\.id: expected/);
  });

  it("finds VirtualServices and merged DestinationRules by host", () => {
    const { push } = bookinfoPush(
      `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-extra, namespace: default, creationTimestamp: "2030-01-01T00:00:00Z"}
spec:
  host: reviews
  trafficPolicy: {loadBalancer: {simple: RANDOM}}
  subsets: [{name: v1, labels: {version: vX}}, {name: v9, labels: {version: v9}}]
`,
      ["virtual-service-reviews-80-20.yaml", "destination-rule-all.yaml"],
    );
    const proxy = proxyFromNode(productpage, push.registry);
    const vs = push.virtualServicesFor(proxy);
    assert.deepEqual(
      vs.map((v) => v.hosts[0]),
      ["reviews.default.svc.cluster.local"],
    );
    assert.equal(
      vs[0].spec.http?.[0].route?.[0].destination.host,
      "reviews.default.svc.cluster.local",
    );
    const svc = push.serviceFor(proxy, "reviews.default.svc.cluster.local")!;
    const dr = push.destinationRule(proxy, svc)!;
    assert.deepEqual(dr.from, ["default/reviews", "default/reviews-extra"]);
    // First rule's subsets and policy win; new subset names append.
    assert.deepEqual(
      dr.spec.subsets?.map((s) => [s.name, s.labels?.version]),
      [
        ["v1", "v1"],
        ["v2", "v2"],
        ["v3", "v3"],
        ["v9", "v9"],
      ],
    );
    assert.equal(dr.spec.trafficPolicy?.loadBalancer?.simple, "RANDOM");
  });

  it("honours exportTo and Sidecar egress scoping", () => {
    const { push } = bookinfoPush(`
apiVersion: v1
kind: Service
metadata: {name: secret, namespace: other, annotations: {networking.istio.io/exportTo: "."}}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: shared, namespace: other}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: private, namespace: other}
spec: {hosts: [shared], exportTo: ["."], http: [{route: [{destination: {host: shared}}]}]}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ratings-only, namespace: default}
spec:
  workloadSelector: {labels: {app: ratings}}
  egress: [{hosts: ["./details.default.svc.cluster.local", "istio-system/*"]}]
`);
    const pp = proxyFromNode(productpage, push.registry);
    const hosts = push.servicesFor(pp).map((s) => s.hostname);
    assert.ok(hosts.includes("shared.other.svc.cluster.local"));
    assert.ok(!hosts.includes("secret.other.svc.cluster.local"));
    assert.equal(push.virtualServicesFor(pp).length, 0);
    const ratings = proxyFromNode(
      { id: "sidecar~10.1.2.10~ratings-v1-0.default~default.svc.cluster.local" },
      push.registry,
    );
    assert.equal(push.sidecarScope(ratings).sidecar, "default/ratings-only");
    assert.deepEqual(
      push.servicesFor(ratings).map((s) => s.hostname),
      ["details.default.svc.cluster.local"],
    );
  });

  it("merges delegate VirtualServices into their roots", () => {
    const { push } = bookinfoPush(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: root, namespace: default}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {prefix: /api}}]
    delegate: {name: reviews-api, namespace: team}
    timeout: 3s
  - route: [{destination: {host: reviews}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-api, namespace: team}
spec:
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v2}}]
  - route: [{destination: {host: reviews.default.svc.cluster.local, subset: v1}}]
`);
    const [root] = push.virtualServicesFor(proxyFromNode(productpage, push.registry));
    const http = root.spec.http!;
    assert.equal(http.length, 3);
    assert.deepEqual(http[0].match, [
      { uri: { prefix: "/api" }, headers: { "end-user": { exact: "jason" } } },
    ]);
    assert.equal(http[0].timeout, "3s");
    assert.deepEqual(http[1].match, [{ uri: { prefix: "/api" } }]);
    assert.equal(http[1].route?.[0].destination.subset, "v1");
  });

  it("selects gateways and workload policies", () => {
    const { push } = bookinfoPush(
      `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: pp, namespace: default}
spec: {selector: {matchLabels: {app: productpage}}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: other, namespace: default}
spec: {selector: {matchLabels: {app: ratings}}}
`,
      ["bookinfo-gateway.yaml"],
    );
    const pp = proxyFromNode(productpage, push.registry);
    const ap = push.policiesFor(KIND.AuthorizationPolicy, pp);
    assert.deepEqual(
      ap.workload.map((r) => r.metadata.name),
      ["pp"],
    );
    const pa = push.policiesFor(KIND.PeerAuthentication, pp);
    assert.deepEqual(
      pa.root.map((r) => r.metadata.name),
      ["default"],
    );
    const gw = { labels: { istio: "ingressgateway" }, namespace: "istio-system" };
    assert.deepEqual(
      push.gatewaysFor(gw).map((g) => g.qualified),
      ["default/bookinfo-gateway"],
    );
    const bound = push.virtualServicesFor(gw, "default/bookinfo-gateway");
    assert.deepEqual(
      bound.map((v) => v.name),
      ["bookinfo"],
    );
  });

  it("scopes routes and endpoints by label only when some config selects by label", () => {
    const pp = proxyFromNode(productpage, bookinfoPush("").push.registry);
    const gateway = { ...pp, type: "router" as const };
    assert.equal(bookinfoPush("", ["destination-rule-all.yaml"]).push.labelScope(pp), "");
    assert.equal(bookinfoPush("").push.labelScope(gateway), JSON.stringify(pp.labels));
    const selecting = [
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: r, namespace: default}
spec: {host: reviews, workloadSelector: {matchLabels: {app: productpage}}}`,
      `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: s, namespace: default}
spec: {workloadSelector: {labels: {app: productpage}}, egress: [{hosts: ["./*"]}]}`,
      `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: e, namespace: default}
spec:
  workloadSelector: {labels: {app: productpage}}
  configPatches: [{applyTo: HTTP_ROUTE, patch: {operation: MERGE, value: {decorator: {operation: x}}}}]`,
      `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v, namespace: default}
spec:
  hosts: [reviews]
  http: [{match: [{sourceLabels: {app: productpage}}], route: [{destination: {host: reviews}}]}]`,
    ];
    for (const extra of selecting)
      assert.equal(bookinfoPush(extra).push.labelScope(pp), JSON.stringify(pp.labels), extra);
  });

  it("knows which proxies a change affects", () => {
    const { store, push } = bookinfoPush("");
    const events = store.commit([
      {
        op: "apply",
        resource: resourcesFromFiles([net("virtual-service-ratings-test-abort.yaml")])[0],
      },
    ]);
    const next = PushContext.build(store);
    const update = describeChanges(events, push, next);
    assert.deepEqual([...update.hosts], ["ratings.default.svc.cluster.local"]);
    assert.equal(update.registryChanged, false);
    const pp = proxyFromNode(productpage, next.registry);
    assert.equal(proxyNeedsPush(pp, update, next), true);
    const isolated = resourcesFromText(`
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: lonely}
spec: {egress: [{hosts: ["./*"]}]}
`);
    applyAll(store, isolated);
    const after = PushContext.build(store);
    const lonely = proxyFromNode(
      { id: "sidecar~10.9.9.9~x.lonely~lonely.svc.cluster.local" },
      after.registry,
    );
    assert.equal(proxyNeedsPush(lonely, update, after), false);
  });
});
