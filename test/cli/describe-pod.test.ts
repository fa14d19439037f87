// `mast x describe pod` against a Bookinfo state directory with corpus networking YAML and a few
// security policies: istioctl's layout, compared with golden text (UPDATE_GOLDEN=1 rewrites).

import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ROOT } from "../helpers/paths.ts";
import { runMast } from "../helpers/run.ts";
import { bookinfoState } from "../runtime/state-fixture.ts";

const DIR = `${ROOT}test/testdata/cli/`;

function golden(name: string, got: string): void {
  const file = `${DIR}${name}.golden.txt`;
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, got);
  assert.equal(got, readFileSync(file, "utf8"));
}

describe("mast x describe pod", () => {
  const home = mkdtempSync(join(tmpdir(), "mast-describe-"));
  bookinfoState(home, [
    "bookinfo-gateway.yaml",
    "destination-rule-all-mtls.yaml",
    "virtual-service-reviews-test-v2.yaml",
  ]);
  const policies = join(home, "policies.yaml");
  copyFileSync(`${DIR}describe-policies.yaml`, policies);
  assert.equal(runMast(["apply", "-f", policies], { env: { MAST_HOME: home } }).code, 0);
  const describePod = (...args: string[]) =>
    runMast(["x", "describe", "pod", ...args], { env: { MAST_HOME: home } });

  after(() => rmSync(home, { recursive: true, force: true }));

  test("reviews-v2: its subset, the mTLS traffic policy, and the route for jason that reaches it", () => {
    const r = describePod("reviews-v2");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {3}Matching subsets: v2\n {6}\(Non-matching subsets v1,v3\)$/m);
    assert.match(r.stdout, /^ {3}Traffic Policy TLS Mode: ISTIO_MUTUAL$/m);
    assert.match(r.stdout, /^ {3}Match: when headers are end-user=jason$/m);
    golden("describe-reviews-v2", r.stdout);
  });

  test("reviews-v3: no route reaches it, and describe says why", () => {
    const r = describePod("reviews-v3");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /WARNING: No destinations match pod subsets \(checked 2 HTTP routes\)/);
    golden("describe-reviews-v3", r.stdout);
  });

  test("ratings-v1: policies that select it and the composed mTLS mode (root STRICT, 9080 PERMISSIVE)", () => {
    const r = describePod("ratings-v1");
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /Workload mTLS mode: STRICT\n {3}Port Level mTLS mode:\n {6}9080: PERMISSIVE\n/,
    );
    assert.match(r.stdout, /Applied AuthorizationPolicy:\n {3}ratings-viewer\.default\n/);
    golden("describe-ratings-v1", r.stdout);
  });

  test("productpage-v1 by pod name: exposed on the ingress gateway by the bookinfo VirtualService", () => {
    const pod = describePod("reviews-v1").stdout; // any output names pods the same way
    assert.match(pod, /^Pod: reviews-v1-/);
    const r = describePod("productpage-v1");
    assert.equal(r.code, 0, r.stderr);
    const name = /^Pod: (\S+)/.exec(r.stdout)![1]!;
    assert.equal(describePod(`${name}.default`).stdout, r.stdout);
    assert.match(r.stdout, /^Exposed on Ingress Gateway http:\/\/127\.42\.0\.254:8080$/m);
    golden("describe-productpage-v1", r.stdout);
  });

  test("the ingress gateway's own pod, named relative to -n", () => {
    const r = describePod("istio-ingressgateway", "-n", "istio-system");
    assert.equal(r.code, 0, r.stderr);
    golden("describe-istio-ingressgateway", r.stdout);
  });

  test("an unknown pod is a usage error that lists the known workloads", () => {
    const r = describePod("nope");
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /x describe pod: no proxy for "nope" in this mesh \(known: details-v1, /,
    );
    const help = runMast(["x", "describe", "pod", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: mast x describe pod\|po \[options\] <pod>/);
  });
});
