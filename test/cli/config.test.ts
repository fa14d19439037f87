// mast apply / get / delete against a local state dir (MAST_HOME).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ISTIO_CORPUS } from "../helpers/paths.ts";
import { runMast } from "../helpers/run.ts";

const net = `${ISTIO_CORPUS}samples/bookinfo/networking/`;

describe("mast apply / get / delete", () => {
  const home = mkdtempSync(join(tmpdir(), "mast-home-"));
  after(() => rmSync(home, { recursive: true, force: true }));
  const mast = (args: string[], input?: string) =>
    runMast(args, { env: { MAST_HOME: home }, input });

  it("applies corpus files unmodified and reports created, unchanged, configured", () => {
    const first = mast([
      "apply",
      "-f",
      `${net}destination-rule-all.yaml`,
      "-f",
      `${net}virtual-service-all-v1.yaml`,
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^destinationrule\.networking\.istio\.io\/productpage created$/m);
    assert.match(first.stdout, /^virtualservice\.networking\.istio\.io\/reviews created$/m);
    const again = mast(["apply", "-f", `${net}virtual-service-all-v1.yaml`]);
    assert.match(again.stdout, /^virtualservice\.networking\.istio\.io\/reviews unchanged$/m);
    const changed = mast(["apply", "-f", `${net}virtual-service-reviews-50-v3.yaml`]);
    assert.equal(changed.stdout, "virtualservice.networking.istio.io/reviews configured\n");
  });

  it("rejects a bad apply whole and changes nothing", () => {
    const bad = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings-canary}
spec: {hosts: [ratings], http: [{route: [{destination: {host: ratings}}]}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: broken}
spec: {host: ratings, trafficPolicy: {loadBalancer: {simple: FASTEST}}}
`;
    const r = mast(["apply", "-f", "-"], bad);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Error \[DestinationRule default\/broken\] spec\.trafficPolicy\.loadBalancer\.simple/,
    );
    assert.match(r.stderr, /nothing was changed/);
    assert.equal(mast(["get", "vs", "ratings-canary"]).code, 1, "the valid half was not applied");
  });

  it("gets objects as a table, YAML and JSON", () => {
    const t = mast(["get", "virtualservices"]);
    assert.equal(t.stdout.split("\n")[0], "NAME");
    assert.match(t.stdout, /^reviews$/m);
    const all = mast(["get", "dr", "-A"]);
    assert.match(all.stdout, /^NAMESPACE {3}NAME\ndefault {5}details\n/);
    const y = mast(["get", "vs", "reviews", "-o", "yaml"]);
    assert.match(y.stdout, /^apiVersion: networking\.istio\.io\/v1\nkind: VirtualService\n/);
    assert.match(y.stdout, /subset: v3/);
    const j = JSON.parse(mast(["get", "vs", "-o", "json"]).stdout) as {
      kind: string;
      items: unknown[];
    };
    assert.equal(j.kind, "List");
    assert.equal(j.items.length, 4);
  });

  it("deletes by file and by kind and name", () => {
    const byName = mast(["delete", "vs", "reviews"]);
    assert.equal(byName.stdout, "virtualservice.networking.istio.io/reviews deleted\n");
    const byFile = mast(["delete", "-f", `${net}destination-rule-all.yaml`]);
    assert.equal(byFile.code, 0);
    assert.equal(byFile.stdout.split("\n").filter(Boolean).length, 4);
    const missing = mast(["delete", "vs", "reviews"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/);
    assert.equal(mast(["delete"]).code, 2);
    assert.equal(mast(["get", "frobs"]).code, 2);
  });
});
