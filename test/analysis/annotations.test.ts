// Annotation rules of the analyzers: Istio's annotation registry and the values the injector reads.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  annotationDefs,
  isIstioAnnotation,
} from "../../src/analysis/analyzers/annotations/registry.ts";
import { annotationProblem } from "../../src/analysis/analyzers/annotations/validation.ts";

describe("annotation rules", () => {
  it("reads Istio's annotation registry", () => {
    const inject = annotationDefs().get("sidecar.istio.io/inject");
    assert.ok(inject?.deprecated);
    assert.deepEqual(inject?.resources, ["Pod"]);
    assert.ok(isIstioAnnotation("traffic.sidecar.istio.io/includeInboundPorts"));
    assert.ok(isIstioAnnotation("kubernetes.io/ingress.class"));
    assert.ok(!isIstioAnnotation("kubernetes.io/psp"));
  });

  it("checks values the injector reads", () => {
    assert.match(
      annotationProblem("readiness.status.sidecar.istio.io/periodSeconds", "x") ?? "",
      /uint32/,
    );
    assert.equal(
      annotationProblem("readiness.status.sidecar.istio.io/periodSeconds", "10"),
      undefined,
    );
    assert.equal(
      annotationProblem("traffic.sidecar.istio.io/includeOutboundIPRanges", "*"),
      undefined,
    );
    assert.equal(
      annotationProblem("traffic.sidecar.istio.io/excludeOutboundIPRanges", "10.0.0.0/8,fd00::/8"),
      undefined,
    );
    assert.match(
      annotationProblem("traffic.sidecar.istio.io/excludeOutboundIPRanges", "10.0.0.0") ?? "",
      /CIDR/,
    );
    assert.match(
      annotationProblem("traffic.sidecar.istio.io/excludeInboundPorts", "80,99999") ?? "",
      /range/,
    );
    assert.match(
      annotationProblem("sidecar.istio.io/interceptionMode", "MAGIC") ?? "",
      /interception/,
    );
    assert.equal(annotationProblem("sidecar.istio.io/enableCoreDump", "True"), undefined);
    assert.match(annotationProblem("prometheus.istio.io/merge-metrics", "yes") ?? "", /boolean/);
    assert.match(annotationProblem("proxy.istio.io/config", "[1, 2]") ?? "", /map/);
    assert.equal(annotationProblem("proxy.istio.io/config", "concurrency: 2"), undefined);
    assert.equal(annotationProblem("sidecar.istio.io/proxyImage", "anything"), undefined);
  });
});
