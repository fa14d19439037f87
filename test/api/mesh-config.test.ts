// Mesh config: Istio's defaults, how user fields merge over them, and errors naming the field.

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

test("Istio's ValidateMeshConfig rules reject bad values, naming the field", () => {
  const cases: [string, string][] = [
    [
      "proxyListenPort: 0",
      "MeshConfig proxyListenPort: invalid proxy listen port: port number 0 must be in the range 1..65535",
    ],
    [
      "connectTimeout: 2h",
      "MeshConfig connectTimeout: invalid connect timeout: time 2h must be >1ms and <1h0m0s",
    ],
    [
      "trustDomain: Bad_Domain",
      'MeshConfig trustDomain: trustDomain: trust domain name "Bad_Domain" invalid',
    ],
    [
      "defaultConfig: {discoveryAddress: istiod}",
      'MeshConfig defaultConfig.discoveryAddress: invalid discovery address: unable to split "istiod": address istiod: missing port in address',
    ],
    [
      "defaultConfig: {drainDuration: 1500ms}",
      "MeshConfig defaultConfig.drainDuration: drain time only supports durations to seconds precision",
    ],
    [
      "localityLbSetting: {distribute: [{from: a, to: {b: 50}}]}",
      "MeshConfig localityLbSetting.distribute[0].to: total locality weight 50 != 100",
    ],
    [
      "meshMTLS: {ecdhCurves: [P-256]}",
      "MeshConfig meshMTLS.ecdhCurves: mesh TLS does not support ECDH curves configuration",
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseMeshConfig(text), { name: "MeshConfigError", message }, text);
  }
});

test("invalid extension providers are warnings, as Istio only logs them", () => {
  const warnings: string[] = [];
  const mc = parseMeshConfig(
    "extensionProviders: [{name: authz, envoyExtAuthzGrpc: {port: 9000}}]",
    (path, message) => warnings.push(`${path}: ${message}`),
  );
  assert.equal(mc.extensionProviders.length, 4);
  assert.deepEqual(warnings, [
    "extensionProviders[3].envoyExtAuthzGrpc.service: service must not be empty",
  ]);
});
