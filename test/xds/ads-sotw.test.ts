// State-of-the-World ADS, scenario by scenario against Envoy's xDS protocol specification.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type JsonObject, TYPE_URL } from "../../src/envoy/index.ts";
import type { Pilot } from "../../src/xds/pilot.ts";
import {
  applyAll,
  bookinfoNetworking,
  resourcesFromFiles,
  resourcesFromText,
} from "../registry/fixtures.ts";
import { AdsHarness, decoded, names, PRODUCTPAGE_NODE } from "./ads-client.ts";

const CDS = TYPE_URL.CLUSTER;
const EDS = TYPE_URL.CLUSTER_LOAD_ASSIGNMENT;
const LDS = TYPE_URL.LISTENER;
const RDS = TYPE_URL.ROUTE_CONFIGURATION;
const REVIEWS_V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
const REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";

describe("ADS State-of-the-World", () => {
  const ads = new AdsHarness();
  let pilot: Pilot;
  const client = () => ads.client();

  before(async () => {
    await ads.start();
    pilot = ads.pilot;
  });
  after(() => ads.stop());

  it("answers a wildcard CDS subscription and records the ACK", async () => {
    const c = client();
    c.send({ node: PRODUCTPAGE_NODE, type_url: CDS });
    const r = await c.expect();
    assert.equal(r.type_url, CDS);
    assert.ok(names(r).includes(REVIEWS_V1));
    assert.ok(names(r).includes("PassthroughCluster"));
    c.send({ type_url: CDS, version_info: r.version_info, response_nonce: r.nonce });
    const ok = await pilot.server.waitFor(() =>
      pilot.server
        .status()
        .some((s) => s.types.some((t) => t.typeUrl === CDS && t.state === "SYNCED")),
    );
    assert.ok(ok);
  });

  it("serves named EDS, follows subscription changes and treats [] as unsubscribe", async () => {
    const c = client();
    c.send({ node: PRODUCTPAGE_NODE, type_url: EDS, resource_names: [REVIEWS_V1] });
    const r1 = await c.expect();
    assert.deepEqual(names(r1), [REVIEWS_V1]);
    const cla = decoded(r1)[0] as { endpoints: { lb_endpoints: unknown[] }[] };
    assert.equal(cla.endpoints[0].lb_endpoints.length, 1);
    // Grow the subscription with the ACK: the response carries what the client lacks (EDS is not
    // a state-of-the-world type, so the unchanged REVIEWS_V1 is not repeated).
    c.send({
      type_url: EDS,
      resource_names: [REVIEWS_V1, REVIEWS],
      response_nonce: r1.nonce,
      version_info: r1.version_info,
    });
    const r2 = await c.expect();
    assert.deepEqual(names(r2), [REVIEWS]);
    // A stale nonce (r1's) with yet another name set is ignored.
    c.send({ type_url: EDS, resource_names: [REVIEWS], response_nonce: r1.nonce });
    assert.equal(await c.next(200), undefined);
    c.send({
      type_url: EDS,
      resource_names: [],
      response_nonce: r2.nonce,
      version_info: r2.version_info,
    });
    assert.equal(await c.next(200), undefined);
  });

  it("keeps a NACKed proxy on its last good version and pushes the next change", async () => {
    const c = client();
    const node = {
      ...PRODUCTPAGE_NODE,
      id: "sidecar~10.1.4.10~productpage-v1-0.default~default.svc.cluster.local",
    };
    c.send({ node, type_url: RDS, resource_names: ["9080"] });
    const r1 = await c.expect();
    c.send({
      type_url: RDS,
      resource_names: ["9080"],
      version_info: r1.version_info,
      response_nonce: r1.nonce,
    });
    // Wait for the ACK: an ACK arriving after the next push would carry a stale nonce.
    await pilot.server.waitFor(() =>
      pilot.server
        .status()
        .some((s) => s.types.some((t) => t.typeUrl === RDS && t.state === "SYNCED")),
    );
    const vs = resourcesFromFiles([bookinfoNetworking("virtual-service-reviews-80-20.yaml")]);
    applyAll(pilot.store, vs);
    pilot.flush();
    const r2 = await c.expect();
    assert.notEqual(r2.version_info, r1.version_info);
    c.send({
      type_url: RDS,
      resource_names: ["9080"],
      version_info: r1.version_info,
      response_nonce: r2.nonce,
      error_detail: { code: 3, message: "bad route" },
    });
    const nacked = await pilot.server.waitFor(() =>
      pilot.server
        .status()
        .some((s) => s.types.some((t) => t.state === "NACKED" && t.error === "bad route")),
    );
    assert.ok(nacked, "NACK visible in the status API");
    const st = pilot.server.status().find((s) => s.types.some((t) => t.state === "NACKED"))!;
    assert.equal(st.types[0].ackedVersion, r1.version_info);
    assert.equal(await c.next(200), undefined, "the NACKed version is not resent");
    assert.ok(pilot.store.delete(vs[0].kind.id, vs[0].metadata.namespace, "reviews"));
    pilot.flush();
    const r3 = await c.expect();
    const vh = (
      decoded(r3)[0] as { virtual_hosts: { name: string; routes: { name?: string }[] }[] }
    ).virtual_hosts;
    assert.equal(vh.find((v) => v.name.startsWith("reviews"))?.routes[0].name, "default");
  });

  it("pushes only to proxies whose config changed", async () => {
    const isolated = resourcesFromText(`
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: lonely}
spec: {egress: [{hosts: ["./*"]}]}
`);
    applyAll(pilot.store, isolated);
    pilot.flush();
    await pilot.server.idle();
    const lonely = client();
    lonely.send({
      node: { id: "sidecar~10.9.9.9~x.lonely~lonely.svc.cluster.local" },
      type_url: CDS,
    });
    const l1 = await lonely.expect();
    assert.deepEqual(
      names(l1).filter((n) => n.startsWith("outbound")),
      [],
    );
    lonely.send({ type_url: CDS, version_info: l1.version_info, response_nonce: l1.nonce });
    const pp = client();
    pp.send({ node: PRODUCTPAGE_NODE, type_url: CDS });
    const p1 = await pp.expect();
    pp.send({ type_url: CDS, version_info: p1.version_info, response_nonce: p1.nonce });
    const dr = resourcesFromText(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings-lb, namespace: default}
spec: {host: ratings, trafficPolicy: {loadBalancer: {simple: RANDOM}}}
`);
    applyAll(pilot.store, dr);
    pilot.flush();
    const p2 = await pp.expect();
    const ratings = decoded(p2).find(
      (c) => c.name === "outbound|9080||ratings.default.svc.cluster.local",
    );
    assert.equal(ratings?.lb_policy, "RANDOM");
    assert.equal(await lonely.next(200), undefined, "the isolated proxy got no push");
  });

  it("gives HTTP/1.0 to a proxy whose metadata says HTTP10, and only to it", async () => {
    const hcms = (r: Awaited<ReturnType<ReturnType<typeof client>["expect"]>>) =>
      decoded(r).flatMap((l) =>
        ((l.filter_chains ?? []) as { filters: { name: string; typed_config: JsonObject }[] }[])
          .flatMap((c) => c.filters)
          .filter((f) => f.name === "envoy.filters.network.http_connection_manager")
          .map((f) => f.typed_config.http_protocol_options),
      );
    const plain = client();
    plain.send({ node: PRODUCTPAGE_NODE, type_url: LDS });
    const old = client();
    const meta = { ...PRODUCTPAGE_NODE.metadata, HTTP10: "1" };
    old.send({ node: { ...PRODUCTPAGE_NODE, metadata: meta }, type_url: LDS });
    const [p, o] = [hcms(await plain.expect()), hcms(await old.expect())];
    assert.ok(p.length > 0 && p.length === o.length);
    assert.deepEqual(
      p,
      p.map(() => undefined),
    );
    assert.deepEqual(
      o,
      o.map(() => ({ accept_http_10: true })),
    );
  });

  it("shrugs off misbehaving clients without disturbing others", async () => {
    const good = client();
    good.send({ node: PRODUCTPAGE_NODE, type_url: LDS });
    const g1 = await good.expect();
    assert.ok(names(g1).includes("virtualOutbound"));
    // Garbage type URL: ignored.
    const garbage = client();
    garbage.send({ node: PRODUCTPAGE_NODE, type_url: "type.googleapis.com/nonsense.Thing" });
    assert.equal(await garbage.next(200), undefined);
    // No node: the stream ends with INVALID_ARGUMENT.
    const anon = client();
    anon.send({ type_url: CDS });
    const s = await anon.ended;
    assert.equal(s.code, 3);
    // A huge request ends only its own stream.
    const huge = client();
    huge.send({
      node: PRODUCTPAGE_NODE,
      type_url: EDS,
      resource_names: Array.from({ length: 60_000 }, (_, i) => `c${i}-${"x".repeat(80)}`),
    });
    const hs = await huge.ended;
    assert.notEqual(hs.code, 0);
    // Disconnect right after subscribing (mid-push).
    const gone = client();
    gone.send({ node: PRODUCTPAGE_NODE, type_url: CDS });
    gone.close();
    // The good client still gets answers.
    good.send({ type_url: RDS, resource_names: ["9080"] });
    const g2 = await good.expect();
    assert.equal(g2.type_url, RDS);
  });
});
