// Delta xDS, scenario by scenario against Envoy's xDS protocol specification.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { TYPE_URL } from "../../src/envoy/index.ts";
import type { Pilot } from "../../src/xds/pilot.ts";
import { applyAll, bookinfoResources, resourcesFromText } from "../registry/fixtures.ts";
import {
  type AdsClient,
  AdsHarness,
  decoded,
  PRODUCTPAGE_NODE,
  type Response,
} from "./ads-client.ts";

const CDS = TYPE_URL.CLUSTER;
const EDS = TYPE_URL.CLUSTER_LOAD_ASSIGNMENT;
const RATINGS = "outbound|9080||ratings.default.svc.cluster.local";
const REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
const REVIEWS_V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";

const named = (r: Response) => (r.resources ?? []).map((x) => String(x.name)).sort();
const versions = (r: Response) =>
  Object.fromEntries(r.resources.map((x) => [String(x.name), String(x.version)]));

describe("ADS Delta", () => {
  const ads = new AdsHarness();
  let pilot: Pilot;
  const client = () => ads.client();
  const ack = (c: AdsClient, r: Response) =>
    c.send({ type_url: r.type_url, response_nonce: r.nonce });
  const synced = (typeUrl: string) =>
    pilot.server.waitFor(() =>
      pilot.server
        .status()
        .some(
          (s) =>
            s.protocol === "delta" &&
            s.types.some((t) => t.typeUrl === typeUrl && t.state === "SYNCED"),
        ),
    );

  before(async () => {
    await ads.start(true);
    pilot = ads.pilot;
  });
  after(() => ads.stop());

  let wildcardVersions: Record<string, string> = {};

  it("treats an empty first CDS subscription as wildcard and sends versioned resources", async () => {
    const c = client();
    c.send({ node: PRODUCTPAGE_NODE, type_url: CDS });
    const r = await c.expect();
    assert.equal(r.type_url, CDS);
    assert.ok(named(r).includes(RATINGS));
    assert.ok(r.resources.every((x) => typeof x.version === "string" && x.version.length > 0));
    assert.deepEqual(r.removed_resources ?? [], []);
    wildcardVersions = versions(r);
    ack(c, r);
    assert.ok(await synced(CDS));
    c.close();
  });

  it("subscribes and unsubscribes names mid-stream", async () => {
    const c = client();
    c.send({ node: PRODUCTPAGE_NODE, type_url: EDS, resource_names_subscribe: [REVIEWS] });
    const r1 = await c.expect();
    assert.deepEqual(named(r1), [REVIEWS]);
    assert.equal(
      (decoded(r1)[0] as { endpoints: { lb_endpoints: unknown[] }[] }).endpoints[0].lb_endpoints
        .length,
      3,
    );
    ack(c, r1);
    c.send({ type_url: EDS, resource_names_subscribe: [REVIEWS_V2] });
    const r2 = await c.expect();
    assert.deepEqual(named(r2), [REVIEWS_V2], "only the newly subscribed resource");
    ack(c, r2);
    c.send({ type_url: EDS, resource_names_unsubscribe: [REVIEWS] });
    assert.equal(await c.next(200), undefined, "unsubscribing needs no response");
    // the server handles the unsubscribe on its own schedule: poll its status (bounded)
    const subscribed = () =>
      pilot.server
        .status()
        .find((s) => s.protocol === "delta" && s.types.some((t) => t.typeUrl === EDS))
        ?.types.find((t) => t.typeUrl === EDS)?.subscribed;
    for (let i = 0; i < 250 && subscribed()?.length !== 1; i++) await delay(20);
    assert.deepEqual(subscribed(), [REVIEWS_V2]);
    c.send({ type_url: EDS, resource_names_subscribe: [REVIEWS] });
    assert.deepEqual(named(await c.expect()), [REVIEWS], "resubscribing sends it again");
    c.close();
  });

  it("reports explicitly subscribed names that do not exist as removed", async () => {
    const c = client();
    c.send({
      node: PRODUCTPAGE_NODE,
      type_url: EDS,
      resource_names_subscribe: [RATINGS, "outbound|1|x|nowhere.local"],
    });
    const r = await c.expect();
    assert.deepEqual(named(r), [RATINGS]);
    assert.deepEqual(r.removed_resources, ["outbound|1|x|nowhere.local"]);
    c.close();
  });

  it("sends only what changed, and removed_resources for deletions", async () => {
    const c = client();
    c.send({ node: PRODUCTPAGE_NODE, type_url: CDS, resource_names_subscribe: ["*"] });
    const r1 = await c.expect();
    ack(c, r1);
    await synced(CDS);
    const dr = resourcesFromText(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings-lb, namespace: default, creationTimestamp: "2000-01-01T00:00:00Z"}
spec: {host: ratings, trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}}
`);
    applyAll(pilot.store, dr);
    pilot.flush();
    const r2 = await c.expect();
    assert.ok(named(r2).includes(RATINGS));
    assert.ok(!named(r2).includes(REVIEWS), "unchanged clusters are not resent");
    ack(c, r2);
    const svc = bookinfoResources().find(
      (r) => r.kind.id === "Service" && r.metadata.name === "details",
    )!;
    pilot.store.delete("Service", svc.metadata.namespace, "details");
    pilot.flush();
    const r3 = await c.expect();
    assert.deepEqual(r3.resources ?? [], []);
    assert.ok(r3.removed_resources?.includes("outbound|9080||details.default.svc.cluster.local"));
    assert.ok(r3.removed_resources?.includes("outbound|9080|v1|details.default.svc.cluster.local"));
    ack(c, r3);
    pilot.store.apply(svc);
    pilot.flush();
    const r4 = await c.expect();
    assert.ok(named(r4).includes("outbound|9080||details.default.svc.cluster.local"));
    ack(c, r4);
    c.close();
  });

  it("honours initial_resource_versions on reconnect", async () => {
    const c = client();
    c.send({ node: PRODUCTPAGE_NODE, type_url: CDS });
    const full = await c.expect();
    const now = versions(full);
    ack(c, full);
    c.close();
    // Reconnect claiming everything current, except one stale version and one gone cluster.
    const claimed = {
      ...now,
      [RATINGS]: "stale",
      "outbound|1||gone.default.svc.cluster.local": "v0",
    };
    const again = client();
    again.send({ node: PRODUCTPAGE_NODE, type_url: CDS, initial_resource_versions: claimed });
    const r = await again.expect();
    assert.deepEqual(named(r), [RATINGS]);
    assert.deepEqual(r.removed_resources, ["outbound|1||gone.default.svc.cluster.local"]);
    assert.notDeepEqual(now, wildcardVersions, "versions follow content");
    again.close();
  });

  it("records a NACK, does not resend, ignores stale nonces, and pushes the next change", async () => {
    const c = client();
    c.send({ node: PRODUCTPAGE_NODE, type_url: CDS });
    const r1 = await c.expect();
    ack(c, r1);
    await synced(CDS);
    const apply = (lb: string) => {
      const dr = resourcesFromText(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings-lb, namespace: default, creationTimestamp: "2000-01-01T00:00:00Z"}
spec: {host: ratings, trafficPolicy: {loadBalancer: {simple: ${lb}}}}
`);
      applyAll(pilot.store, dr);
      pilot.flush();
    };
    apply("RANDOM");
    const r2 = await c.expect();
    // A stale nonce is ignored; then the real NACK.
    c.send({ type_url: CDS, response_nonce: r1.nonce, error_detail: { code: 3, message: "old" } });
    c.send({
      type_url: CDS,
      response_nonce: r2.nonce,
      error_detail: { code: 3, message: "cannot do RANDOM" },
    });
    const nacked = await pilot.server.waitFor(() =>
      pilot.server
        .status()
        .some((s) => s.types.some((t) => t.state === "NACKED" && t.error === "cannot do RANDOM")),
    );
    assert.ok(nacked);
    assert.equal(await c.next(200), undefined, "no resend of the rejected resources");
    apply("LEAST_REQUEST");
    const r3 = await c.expect();
    assert.ok(named(r3).every((n) => n.endsWith("|ratings.default.svc.cluster.local")));
    assert.equal(decoded(r3).find((x) => x.name === RATINGS)?.lb_policy, "LEAST_REQUEST");
    ack(c, r3);
    assert.ok(await synced(CDS));
    c.close();
  });
});
