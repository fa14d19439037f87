// Simulation in Istio's manner: the generated route configurations are compiled by the proxy's
// own route table and requests are routed through them without sockets, so routing semantics
// (not just shapes) are checked. Every golden case's RDS must also compile there.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TYPE_URL } from "../../src/envoy/index.ts";
import { proxyFromNode } from "../../src/model/proxy.ts";
import { PushContext } from "../../src/model/push-context.ts";
import type { RouteConfiguration } from "../../src/proxy/config-types.ts";
import { HeaderMap } from "../../src/proxy/http/headers.ts";
import { RouteTable } from "../../src/proxy/routing/route-table.ts";
import { generate } from "../../src/xds/generators/index.ts";
import { bookinfoStore } from "../registry/fixtures.ts";
import { goldenCases, readGoldenTexts } from "./golden-files.ts";

const PRODUCTPAGE = { id: "sidecar~10.1.4.10~productpage-v1-0.default~default.svc.cluster.local" };
const GATEWAY = {
  id: "router~10.1.9.9~istio-ingressgateway-0.istio-system~istio-system.svc.cluster.local",
  metadata: { NAMESPACE: "istio-system", LABELS: { istio: "ingressgateway" } },
};

function table(files: string[], extra: string, node: typeof PRODUCTPAGE, name: string): RouteTable {
  const push = PushContext.build(bookinfoStore(files, extra));
  const rc = generate(proxyFromNode(node, push.registry), push, TYPE_URL.ROUTE_CONFIGURATION, [
    name,
  ]).get(name);
  assert.ok(rc, `route config ${name}`);
  return new RouteTable(rc as unknown as RouteConfiguration);
}

/** The cluster (or direct response / redirect) a request ends at. */
function simulate(
  t: RouteTable,
  authority: string,
  path: string,
  headers: Record<string, string> = {},
): string {
  const [p, query = ""] = path.split("?");
  const hm = HeaderMap.fromObject({
    ":authority": authority,
    ":path": path,
    ":method": "GET",
    ...headers,
  });
  const hit = t.route(authority, { headers: hm, path: p, query });
  if (!hit) return "404 (no route)";
  const r = hit.route;
  if (r.direct_response) return `direct ${r.direct_response.status}`;
  if (r.redirect) return "redirect";
  const action = r.route as {
    cluster?: string;
    weighted_clusters?: { clusters: { name: string; weight: number }[] };
  };
  if (action.cluster) return action.cluster;
  return action.weighted_clusters!.clusters.map((c) => `${c.name}=${c.weight}`).join(",");
}

describe("simulation through the proxy's route table", () => {
  it("routes Bookinfo's jason rule by header under every name of the host", () => {
    const t = table(
      ["virtual-service-reviews-jason-v2-v3.yaml", "destination-rule-all.yaml"],
      "",
      PRODUCTPAGE,
      "9080",
    );
    const v2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
    const v3 = "outbound|9080|v3|reviews.default.svc.cluster.local";
    assert.equal(simulate(t, "reviews:9080", "/reviews/0", { "end-user": "jason" }), v2);
    assert.equal(
      simulate(t, "reviews.default.svc.cluster.local", "/", { "end-user": "jason" }),
      v2,
    );
    assert.equal(simulate(t, "reviews.default:9080", "/"), v3);
    assert.equal(
      simulate(t, "ratings:9080", "/"),
      "outbound|9080||ratings.default.svc.cluster.local",
    );
    assert.equal(simulate(t, "example.com", "/"), "PassthroughCluster");
  });

  it("splits by weight and blocks unknown hosts under REGISTRY_ONLY", () => {
    const t = table(
      ["virtual-service-reviews-80-20.yaml", "destination-rule-all.yaml"],
      `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: istio-system}
spec: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}`,
      PRODUCTPAGE,
      "9080",
    );
    assert.equal(
      simulate(t, "reviews", "/"),
      "outbound|9080|v1|reviews.default.svc.cluster.local=80,outbound|9080|v2|reviews.default.svc.cluster.local=20",
    );
    assert.equal(simulate(t, "example.com", "/"), "direct 502");
  });

  it("routes the Bookinfo gateway by path", () => {
    const t = table(["bookinfo-gateway.yaml"], "", GATEWAY, "http.8080");
    const pp = "outbound|9080||productpage.default.svc.cluster.local";
    assert.equal(simulate(t, "bookinfo.example.com", "/productpage"), pp);
    assert.equal(simulate(t, "anything:8080", "/static/css/x.css"), pp);
    assert.equal(simulate(t, "anything", "/api/v1/products/1"), pp);
    assert.equal(simulate(t, "anything", "/admin"), "404 (no route)");
  });

  it("compiles every golden route configuration", () => {
    let n = 0;
    for (const c of goldenCases()) {
      for (const [f, text] of readGoldenTexts(c)) {
        if (!f.endsWith(".rds.json")) continue;
        for (const rc of JSON.parse(text) as RouteConfiguration[]) {
          assert.doesNotThrow(() => new RouteTable(rc), `${c}/${f} ${rc.name}`);
          n++;
        }
      }
    }
    assert.ok(n >= 25, `${n} route configurations`);
  });
});
