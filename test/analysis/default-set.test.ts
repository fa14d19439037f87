// Analyzers of istioctl's default set that expected.yaml does not exercise, checked against the
// upstream test inputs and the findings their comments call for.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { analyzeFiles } from "../../src/analysis/files.ts";
import { istioCorpusDir } from "../../src/analysis/messages.ts";
import { defaultAnalyzers, findAnalyzer } from "../../src/analysis/registry.ts";

const TESTDATA = join(istioCorpusDir(), "analyzer-testdata", "testdata");

function run(analyzer: string, file: string): string[] {
  const a = findAnalyzer(analyzer);
  assert.ok(a, analyzer);
  return analyzeFiles([join(TESTDATA, file)], { analyzers: [a] })
    .messages.map((m) => `${m.code} ${m.origin}`)
    .sort();
}

describe("analyzers outside expected.yaml", () => {
  it("gateway.CertificateAnalyzer flags gateways sharing a certificate on overlapping selectors", () => {
    assert.deepEqual(run("gateway.CertificateAnalyzer", "gateway-duplicate-certificate.yaml"), [
      "IST0138 Gateway default/gateway-01-test-03",
      "IST0138 Gateway istio-system/gateway-01-test-01",
      "IST0138 Gateway istio-system/gateway-01-test-02",
      "IST0138 Gateway istio-system/gateway-02-test-01",
    ]);
  });

  it("injection.ImageAutoAnalyzer flags image: auto that no webhook will replace", () => {
    assert.deepEqual(run("injection.ImageAutoAnalyzer", "image-auto.yaml"), [
      "IST0146 Deployment not-injected/non-injected-gateway-deployment",
      "IST0147 Pod default/injected-pod",
    ]);
  });

  it("virtualservice.JWTClaimRouteAnalyzer wants a RequestAuthentication on the gateway pods", () => {
    assert.deepEqual(
      run("virtualservice.JWTClaimRouteAnalyzer", "virtualservice_jwtclaimroute.yaml"),
      ["IST0149 VirtualService foo"],
    );
  });

  it("services.MultiClusterServiceAnalyzer compares a Service across two clusters (mcTestGrid)", () => {
    const a = findAnalyzer("services.MultiClusterServiceAnalyzer");
    assert.ok(a);
    const dir = join(TESTDATA, "multicluster");
    const r = analyzeFiles([join(dir, "inconsistent-service-1.yaml")], {
      analyzers: [a],
      clusters: [{ id: "cluster2", inputs: [join(dir, "inconsistent-service-2.yaml")] }],
    });
    assert.deepEqual(r.messages.map((m) => `${m.code} ${m.origin}`).sort(), [
      "IST0170 Service my-namespace/extra-port",
      "IST0170 Service my-namespace/inconsistent-port-name",
      "IST0170 Service my-namespace/mixed-mode",
      "IST0170 Service my-namespace/mixed-port-protocol",
      "IST0170 Service my-namespace/mixed-type",
    ]);
    // One cluster alone has nothing to compare.
    assert.deepEqual(
      analyzeFiles([join(dir, "inconsistent-service-1.yaml")], { analyzers: [a] }).messages,
      [],
    );
  });

  it("schema.ValidationAnalyzer.VirtualService reports unreachable rules as IST0130/IST0131", () => {
    assert.deepEqual(
      run("schema.ValidationAnalyzer.VirtualService", "virtualservice_dupmatches.yaml"),
      [
        "IST0130 VirtualService duplicate-empty-tcp",
        "IST0130 VirtualService duplicate-match",
        "IST0130 VirtualService duplicate-tcp-match",
        "IST0130 VirtualService foo/sample-foo-cluster01",
        "IST0130 VirtualService none/tls-routing",
        "IST0131 VirtualService almost-duplicate-match",
        "IST0131 VirtualService almost-duplicate-tcp-match",
        "IST0131 VirtualService duplicate-match",
        "IST0131 VirtualService duplicate-tcp-match",
        "IST0131 VirtualService none/tls-routing",
        "IST0131 VirtualService none/tls-routing-almostmatch",
      ],
    );
  });

  it("schema analyzers map validation errors to IST0106 at the field", () => {
    const a = findAnalyzer("schema.ValidationAnalyzer.DestinationRule");
    assert.ok(a);
    const dir = mkdtempSync(join(tmpdir(), "mast-schema-"));
    try {
      const file = join(dir, "dr.yaml");
      writeFileSync(
        file,
        'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: d}\nspec:\n  host: ""\n',
      );
      const msgs = analyzeFiles([file], { analyzers: [a] }).messages;
      assert.ok(msgs.length > 0);
      assert.ok(
        msgs.every((m) => m.code === "IST0106" && m.origin === "DestinationRule d/r"),
        JSON.stringify(msgs),
      );
      assert.match(msgs[0]?.message ?? "", /^Schema validation error: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the default set leaves out the alpha-annotation analyzer and has schema analyzers", () => {
    const names = defaultAnalyzers().map((a) => a.name);
    assert.ok(!names.includes("annotations.AlphaAnalyzer"));
    assert.ok(names.includes("schema.ValidationAnalyzer.VirtualService"));
    assert.ok(names.includes("virtualservice.DestinationHostAnalyzer"));
  });
});
