// `mast apply --dry-run` and `mast delete --dry-run`: over a Bookinfo state directory (as
// `mast up` leaves it), the real CLI prints which proxies' xDS the corpus YAML would change and
// how, and persists nothing.

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { unifiedDiff } from "../../src/cli/unified-diff.ts";
import { runMast } from "../helpers/run.ts";
import { bookinfoState, NETWORKING } from "../runtime/state-fixture.ts";

const homes: string[] = [];
function home(apply: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "mast-dry-run-"));
  homes.push(dir);
  bookinfoState(dir, apply);
  return dir;
}

const SIDECARS = ["details-v1", "productpage-v1", "ratings-v1", "reviews-v1", "reviews-v2"];

describe("mast apply --dry-run", () => {
  after(() => {
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  test("virtual-service-all-v1: every sidecar's route changes to the v1 subsets, the gateway's does not; nothing is applied", () => {
    const h = home(["bookinfo-gateway.yaml", "destination-rule-all.yaml"]);
    const configBefore = readdirSync(join(h, "config"), { recursive: true }).sort();
    const r = runMast(["apply", "--dry-run", "-f", `${NETWORKING}virtual-service-all-v1.yaml`], {
      env: { MAST_HOME: h },
    });
    assert.equal(r.code, 0, r.stderr);
    const [head, ...rest] = r.stdout.split("\n\n");
    assert.equal(
      head,
      [
        "virtualservice.networking.istio.io/productpage created (dry run)",
        "virtualservice.networking.istio.io/reviews created (dry run)",
        "virtualservice.networking.istio.io/ratings created (dry run)",
        "virtualservice.networking.istio.io/details created (dry run)",
      ].join("\n"),
    );
    assert.equal(rest[0], "Proxies that would change: 6 of 7");
    // One report shared by all six sidecars: the route config, with a diff per service.
    const report = rest[1]!;
    for (const s of [...SIDECARS, "reviews-v3"]) assert.match(report, new RegExp(`^${s} \\(`, "m"));
    assert.match(report, /^ {2}~ route {2}http_proxy$/m);
    assert.match(
      report,
      /^--- route http_proxy\n\+\+\+ route http_proxy\n@@ -\d+,\d+ \+\d+,\d+ @@$/m,
    );
    for (const svc of ["productpage", "reviews", "ratings", "details"]) {
      assert.match(
        report,
        new RegExp(
          `^- +"cluster": "outbound\\|9080\\|\\|${svc}\\.default\\.svc\\.cluster\\.local",\\n\\+ +"cluster": "outbound\\|9080\\|v1\\|${svc}\\.default\\.svc\\.cluster\\.local",$`,
          "m",
        ),
      );
    }
    assert.equal(rest[2], "Unchanged: istio-ingressgateway\n");
    assert.deepEqual(readdirSync(join(h, "config"), { recursive: true }).sort(), configBefore);
    const get = runMast(["get", "virtualservices"], { env: { MAST_HOME: h } });
    assert.equal(get.stdout, "NAME\nbookinfo\n");
  });

  test("a Sidecar that limits ratings to details keeps ratings out of a reviews change (Istio's scoping)", () => {
    const h = home(["destination-rule-all.yaml"]);
    const sidecar = join(h, "sidecar.yaml");
    writeFileSync(
      sidecar,
      `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ratings, namespace: default}
spec:
  workloadSelector: {labels: {app: ratings}}
  egress: [{hosts: ["./details.default.svc.cluster.local"]}]
`,
    );
    assert.equal(runMast(["apply", "-f", sidecar], { env: { MAST_HOME: h } }).code, 0);
    const r = runMast(
      ["apply", "--dry-run", "-f", `${NETWORKING}virtual-service-reviews-v3.yaml`],
      { env: { MAST_HOME: h } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Proxies that would change: 5 of 7$/m);
    assert.match(
      r.stdout,
      /^\+ +"cluster": "outbound\|9080\|v3\|reviews\.default\.svc\.cluster\.local",$/m,
    );
    assert.doesNotMatch(r.stdout, /^ratings-v1 \(/m);
    assert.match(r.stdout, /^Unchanged: istio-ingressgateway, ratings-v1$/m);
  });

  test("a new DestinationRule adds subset clusters and their endpoints", () => {
    const h = home([]);
    const r = runMast(["apply", "--dry-run", "-f", `${NETWORKING}destination-rule-reviews.yaml`], {
      env: { MAST_HOME: h },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Proxies that would change: 7 of 7$/m);
    for (const v of ["v1", "v2", "v3"]) {
      assert.match(
        r.stdout,
        new RegExp(
          `^ {2}\\+ cluster {3}outbound\\|9080\\|${v}\\|reviews\\.default\\.svc\\.cluster\\.local$`,
          "m",
        ),
      );
      assert.match(
        r.stdout,
        new RegExp(
          `^ {2}\\+ endpoint {2}outbound\\|9080\\|${v}\\|reviews\\.default\\.svc\\.cluster\\.local$`,
          "m",
        ),
      );
    }
  });

  test("delete --dry-run: removing the reviews VirtualService restores the default route; nothing is deleted", () => {
    const h = home(["destination-rule-all.yaml", "virtual-service-reviews-v3.yaml"]);
    const r = runMast(["delete", "--dry-run", "virtualservice", "reviews", "nope"], {
      env: { MAST_HOME: h },
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^virtualservice\.networking\.istio\.io\/reviews deleted \(dry run\)$/m);
    assert.match(r.stderr, /virtualservice\.networking\.istio\.io\/nope not found/);
    assert.match(r.stdout, /^Proxies that would change: 6 of 7$/m);
    assert.match(
      r.stdout,
      /^- +"cluster": "outbound\|9080\|v3\|reviews\.default\.svc\.cluster\.local",\n\+ +"cluster": "outbound\|9080\|\|reviews\.default\.svc\.cluster\.local",$/m,
    );
    const get = runMast(["get", "vs", "reviews"], { env: { MAST_HOME: h } });
    assert.equal(get.code, 0, "still there");
  });

  test("without a mesh: the validation verdict and no proxies to compare; bad input is rejected", () => {
    const empty = mkdtempSync(join(tmpdir(), "mast-dry-run-"));
    homes.push(empty);
    const r = runMast(
      ["apply", "--dry-run", "-f", `${NETWORKING}virtual-service-reviews-v3.yaml`],
      {
        env: { MAST_HOME: empty },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No proxies in this mesh \(run `mast up` first\)/);
    const bad = join(empty, "bad.yaml");
    writeFileSync(
      bad,
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec: {hosts: [r], http: [{route: [{destination: {host: r}, weight: -5}]}]}\n",
    );
    const b = runMast(["apply", "--dry-run", "-f", bad], { env: { MAST_HOME: empty } });
    assert.equal(b.code, 1);
    assert.match(b.stderr, /VirtualService default\/r/);
    assert.match(b.stderr, /weight/);
    assert.equal(b.stdout, "");
  });

  test("unifiedDiff: hunks with diff -u headers and three lines of context", () => {
    const a = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"].join("\n");
    const b = ["a", "b", "c", "D", "e", "f", "g", "h", "i", "j", "k"].join("\n");
    assert.deepEqual(unifiedDiff(a, b), [
      "@@ -1,7 +1,7 @@",
      " a",
      " b",
      " c",
      "-d",
      "+D",
      " e",
      " f",
      " g",
      "@@ -8,3 +8,4 @@",
      " h",
      " i",
      " j",
      "+k",
    ]);
    assert.deepEqual(unifiedDiff("x", "x"), []);
  });
});
