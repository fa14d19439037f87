// The pure parts of transparent capture: Istio's iptables rules as iptables-restore input, the
// pods' resolv.conf, Service VIPs allocated deterministically from 240.240.0.0/16, and how
// `--capture auto|explicit` chooses.

import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseCapture, MESH_CAPTURE, podResolvConf } from "../../src/runtime/capture.ts";
import { captureRules } from "../../src/runtime/istio-iptables.ts";
import { netnsUnavailable } from "../../src/runtime/netns.ts";
import { allocateServiceVips } from "../../src/runtime/vips.ts";
import { resourcesFromText } from "../registry/fixtures.ts";

test("istio-iptables rules: inbound to 15006 but the proxy's ports, outbound to 15001 but uid 1337", () => {
  const v4 = captureRules(MESH_CAPTURE, 4).split("\n");
  for (const port of [15008, 15090, 15021, 15020, 15000])
    assert.ok(v4.includes(`-A ISTIO_INBOUND -p tcp --dport ${port} -j RETURN`), `${port}`);
  assert.ok(v4.includes("-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006"));
  assert.ok(v4.includes("-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001"));
  assert.ok(v4.includes("-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN"));
  assert.ok(v4.includes("-A ISTIO_OUTPUT -s 127.0.0.6/32 -o lo -j RETURN"));
  assert.ok(v4.includes("-A OUTPUT -p udp --dport 53 -j REDIRECT --to-ports 15053"));
  // the proxy's own DNS queries are not sent back to itself
  const udpReturn = v4.indexOf("-A OUTPUT -p udp --dport 53 -m owner --uid-owner 1337 -j RETURN");
  assert.ok(
    udpReturn >= 0 &&
      udpReturn < v4.indexOf("-A OUTPUT -p udp --dport 53 -j REDIRECT --to-ports 15053"),
  );
  // exemptions come before the catch-all redirect
  assert.ok(v4.indexOf("-A ISTIO_OUTPUT -j ISTIO_REDIRECT") > udpReturn);
  assert.equal(v4.at(-2), "COMMIT");
  const v6 = captureRules(MESH_CAPTURE, 6);
  assert.match(v6, /-A ISTIO_OUTPUT -s ::6\/128 -o lo -j RETURN/);
  assert.match(v6, /-A ISTIO_OUTPUT -d ::1\/128 -j RETURN/);
});

test("a pod's resolv.conf has Kubernetes' search list for its namespace", () => {
  assert.equal(
    podResolvConf("prod", ["10.0.0.2"]).split("\n").slice(1).join("\n"),
    "nameserver 10.0.0.2\nsearch prod.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n",
  );
});

const SERVICES = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: default}
spec: {ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: fixed, namespace: default}
spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: headless, namespace: default}
spec: {clusterIP: None, ports: [{name: tcp, port: 5432}]}
`;

test("Service VIPs: one per address-less Service, from 240.240.0.0/16, the same on every run", () => {
  const resources = resourcesFromText(SERVICES);
  const ips = (rs: typeof resources) =>
    Object.fromEntries(
      rs.map((r) => [r.metadata.name, (r.spec as { clusterIP?: string }).clusterIP]),
    );
  const first = ips(allocateServiceVips(resources));
  assert.match(first.reviews!, /^240\.240\.\d+\.\d+$/);
  assert.match(first.ratings!, /^240\.240\.\d+\.\d+$/);
  assert.notEqual(first.reviews, first.ratings);
  assert.equal(first.fixed, "10.96.0.10");
  assert.equal(first.headless, "None");
  assert.deepEqual(ips(allocateServiceVips([...resources].reverse())), first);
});

test("--capture explicit needs nothing; auto picks transparent exactly where namespaces work", () => {
  assert.equal(chooseCapture("explicit").mode, "explicit");
  const auto = chooseCapture("auto");
  assert.equal(auto.mode, netnsUnavailable() ? "explicit" : "transparent");
});
