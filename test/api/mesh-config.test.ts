import assert from "node:assert/strict";
import { test } from "node:test";
import { DefaultMeshConfig, MeshConfigError, parseMeshConfig } from "../../src/api/mesh-config.ts";

test("empty mesh config gives Istio's defaults", () => {
  const mc = parseMeshConfig("");
  assert.equal(mc.rootNamespace, "istio-system");
  assert.equal(mc.trustDomain, "cluster.local");
  assert.equal(mc.enableAutoMtls, true);
  assert.deepEqual(mc.outboundTrafficPolicy, { mode: "ALLOW_ANY" });
  assert.deepEqual(mc.defaultServiceExportTo, ["*"]);
  assert.equal(mc.defaultConfig.discoveryAddress, "istiod.istio-system.svc:15012");
  assert.equal(mc.defaultConfig.proxyAdminPort, 15000);
  assert.equal(mc.defaultConfig.statusPort, 15020);
  assert.equal(mc.connectTimeout, "10s");
  assert.deepEqual(
    mc.extensionProviders.map((p) => p.name),
    ["prometheus", "stackdriver", "envoy"],
  );
  assert.deepEqual(mc, parseMeshConfig("{}"));
  assert.equal(DefaultMeshConfig.ingressClass, "istio");
});

test("user fields override; defaultConfig, providers and aliases merge", () => {
  const mc = parseMeshConfig(`
accessLogFile: /dev/stdout
outboundTrafficPolicy: {mode: REGISTRY_ONLY}
trustDomainAliases: [b.example, a.example]
defaultConfig:
  discoveryAddress: mast:15012
  proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true"}
extensionProviders:
- name: envoy
  envoyFileAccessLog: {path: /tmp/log}
- name: ext-authz
  envoyExtAuthzHttp: {service: authz.foo.svc.cluster.local, port: 8000}
defaultProviders:
  accessLogging: [envoy]
`);
  assert.equal(mc.accessLogFile, "/dev/stdout");
  assert.equal(mc.outboundTrafficPolicy.mode, "REGISTRY_ONLY");
  assert.deepEqual(mc.trustDomainAliases, ["a.example", "b.example"]);
  assert.equal(mc.defaultConfig.discoveryAddress, "mast:15012");
  assert.equal(mc.defaultConfig.drainDuration, "45s", "unset proxy fields keep defaults");
  assert.deepEqual(mc.defaultConfig.proxyMetadata, { ISTIO_META_DNS_CAPTURE: "true" });
  assert.deepEqual(
    mc.extensionProviders.map((p) => p.name),
    ["prometheus", "stackdriver", "envoy", "ext-authz"],
  );
  assert.deepEqual(mc.extensionProviders[2].envoyFileAccessLog, { path: "/tmp/log" });
  assert.deepEqual(mc.defaultProviders.accessLogging, ["envoy"]);
  assert.equal(parseMeshConfig("").accessLogFile, "", "defaults are not shared");
});

test("bad mesh config fields give errors naming the field", () => {
  const cases: [string, RegExp][] = [
    ["rootNamespce: foo", /MeshConfig rootNamespce: unknown field "rootNamespce"/],
    ["enableAutoMtls: yes-please", /MeshConfig enableAutoMtls: expected true or false/],
    ["connectTimeout: 10", /MeshConfig connectTimeout: expected a duration/],
    ["accessLogEncoding: XML", /MeshConfig accessLogEncoding: expected one of TEXT, JSON/],
    ["outboundTrafficPolicy: {mode: OPEN}", /outboundTrafficPolicy.mode: expected ALLOW_ANY/],
    ["defaultConfig: {proxyAdminPort: abc}", /defaultConfig.proxyAdminPort: expected an integer/],
    ["extensionProviders: [{zipkin: {}}]", /extensionProviders\[0\].name: .*must be set/],
    ["- a\n- b", /MeshConfig: expected a map/],
    ["a: [", /MeshConfig: malformed YAML/],
    ["a: 1\na: 2", /MeshConfig: malformed YAML/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseMeshConfig(text),
      (e: unknown) => {
        assert.ok(e instanceof MeshConfigError);
        assert.match(e.message, re);
        return true;
      },
    );
  }
});
