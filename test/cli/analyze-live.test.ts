// `mast analyze` on the live mesh: with no files, the applied config and the cluster `mast up`
// runs (Namespaces, Services, injected Pods, Deployments) are analyzed, as `istioctl analyze`
// does against a cluster; files join the live config; --use-kube=false analyzes files alone.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ROOT } from "../helpers/paths.ts";
import { runMast } from "../helpers/run.ts";
import { bookinfoState, NETWORKING } from "../runtime/state-fixture.ts";

const DIR = `${ROOT}test/testdata/cli/`;

function golden(name: string, got: string): void {
  const file = `${DIR}${name}.golden.txt`;
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, got);
  assert.equal(got, readFileSync(file, "utf8"));
}

describe("mast analyze on the live mesh", () => {
  // virtual-service-all-v1 without destination-rule-all: every v1 subset is missing.
  const home = mkdtempSync(join(tmpdir(), "mast-analyze-live-"));
  bookinfoState(home, ["bookinfo-gateway.yaml", "virtual-service-all-v1.yaml"]);
  const analyze = (...args: string[]) =>
    runMast(["analyze", ...args], { env: { MAST_HOME: home } });
  after(() => rmSync(home, { recursive: true, force: true }));

  test("no files: the running mesh's config and workloads, scoped to the default namespace", () => {
    const r = analyze();
    assert.equal(r.code, 79, r.stderr);
    assert.match(
      r.stdout,
      /^Error \[IST0101\] \(VirtualService default\/reviews\) Referenced host\+subset in destinationrule not found: "reviews\+v1"$/m,
    );
    // The live cluster is whole: injected pods, labelled namespaces, the real gateway Service.
    assert.doesNotMatch(r.stdout, /IST0103|IST0102|IST0162|IST0118/);
    assert.match(r.stderr, /Analyzers found issues when analyzing namespace: default\./);
    golden("analyze-live", r.stdout);
  });

  test("files are analyzed with the live config: destination-rule-all supplies the subsets", () => {
    const r = analyze(`${NETWORKING}destination-rule-all.yaml`);
    assert.doesNotMatch(r.stdout, /IST0101/);
    // Findings in the file name it; the live objects have no file.
    assert.match(
      r.stdout,
      /\(DestinationRule default\/ratings \S+destination-rule-all\.yaml:\d+\) The Subset v2-mysql /,
    );
  });

  test("--use-kube=false analyzes the files alone (no services: hosts are not found)", () => {
    const r = analyze("--use-kube=false", `${NETWORKING}virtual-service-all-v1.yaml`);
    assert.equal(r.code, 79);
    assert.match(r.stdout, /Referenced host not found: "reviews"/);
    const live = analyze(`${NETWORKING}virtual-service-all-v1.yaml`);
    assert.doesNotMatch(live.stdout, /Referenced host not found/);
  });

  test("without a mesh and without files: a usage error that says what to give", () => {
    const empty = mkdtempSync(join(tmpdir(), "mast-analyze-none-"));
    const r = runMast(["analyze"], { env: { MAST_HOME: empty } });
    rmSync(empty, { recursive: true, force: true });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /give at least one file or directory \(or run `mast up`/);
    const bad = analyze("--use-kube=maybe");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--use-kube must be true or false/);
  });
});
