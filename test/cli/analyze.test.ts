// mast analyze end to end: istioctl's output formats and exit codes.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runMast } from "../helpers/run.ts";

const BAD_VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: default
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews2
`;

const SVC = `apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: default
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080}
`;

describe("mast analyze", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mast-analyze-"));
    writeFileSync(join(dir, "x.yaml"), `---\n${BAD_VS}`);
    writeFileSync(join(dir, "svc.yaml"), SVC);
    writeFileSync(join(dir, "good.yaml"), BAD_VS.replace("host: reviews2", "host: reviews"));
    writeFileSync(join(dir, "broken.yaml"), "kind: [unclosed\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints istioctl's log format and exits 79 on errors", () => {
    const r = runMast(["analyze", join(dir, "x.yaml")]);
    assert.equal(r.code, 79, r.stderr);
    assert.match(
      r.stdout,
      /^Error \[IST0101\] \(VirtualService default\/reviews .*x\.yaml:12\) Referenced host not found: "reviews2"$/m,
    );
    assert.match(r.stderr, /Analyzers found issues/);
  });

  it("prints JSON with istioctl's fields", () => {
    const r = runMast(["analyze", "-o", "json", join(dir, "x.yaml")]);
    const out = JSON.parse(r.stdout) as Record<string, string>[];
    const m = out.find((x) => x.code === "IST0101");
    assert.ok(m);
    assert.deepEqual(Object.keys(m).sort(), [
      "code",
      "documentationUrl",
      "level",
      "message",
      "origin",
      "reference",
      "type",
    ]);
    assert.equal(m.origin, "VirtualService default/reviews");
    assert.equal(m.type, "ReferencedResourceNotFound");
    assert.match(m.reference ?? "", /x\.yaml:12$/);
    assert.equal(
      m.documentationUrl,
      "https://istio.io/latest/docs/reference/config/analysis/ist0101/",
    );
  });

  it("prints YAML, honours thresholds and exits 0 when nothing reaches the failure threshold", () => {
    const yaml = runMast(["analyze", "-o", "yaml", join(dir, "x.yaml")]);
    assert.match(yaml.stdout, /- code: IST0101\n/);
    const clean = runMast(["analyze", join(dir, "good.yaml"), join(dir, "svc.yaml")]);
    assert.equal(clean.code, 0, clean.stdout);
    assert.match(clean.stderr, /No validation issues found/);
    const quiet = runMast([
      "analyze",
      "--output-threshold",
      "Error",
      "-o",
      "json",
      join(dir, "x.yaml"),
    ]);
    assert.ok((JSON.parse(quiet.stdout) as { level: string }[]).every((m) => m.level === "Error"));
    const lenient = runMast([
      "analyze",
      "--failure-threshold",
      "Error",
      "--analyzer",
      "service.PortNameAnalyzer",
      dir,
    ]);
    assert.equal(lenient.code, 0);
  });

  it("runs only the named analyzers and lists them all", () => {
    const r = runMast([
      "analyze",
      "-o",
      "json",
      "--analyzer",
      "virtualservice.GatewayAnalyzer",
      join(dir, "x.yaml"),
    ]);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), []);
    const list = runMast(["analyze", "--list-analyzers"]);
    assert.match(list.stdout, /^virtualservice\.DestinationHostAnalyzer: /m);
    assert.match(list.stdout, /^annotations\.AlphaAnalyzer: .*not in the default set/m);
    assert.match(list.stdout, /^schema\.ValidationAnalyzer\.VirtualService: /m);
  });

  it("defaults namespace-less resources with -n", () => {
    const noNs = BAD_VS.replace("  namespace: default\n", "");
    writeFileSync(join(dir, "nons.yaml"), noNs);
    const plain = runMast(["analyze", "-o", "json", join(dir, "nons.yaml")]);
    assert.equal(
      (JSON.parse(plain.stdout) as { origin: string }[])[0]?.origin,
      "VirtualService reviews",
    );
    const withNs = runMast(["analyze", "-o", "json", "-n", "bookinfo", join(dir, "nons.yaml")]);
    assert.equal(
      (JSON.parse(withNs.stdout) as { origin: string }[])[0]?.origin,
      "VirtualService bookinfo/reviews",
    );
  });

  it("reports unparsable files and analyzes the rest", () => {
    const r = runMast(["analyze", "-o", "json", join(dir, "broken.yaml"), join(dir, "x.yaml")]);
    assert.equal(r.code, 79);
    assert.match(r.stderr, /broken\.yaml/);
    assert.ok((JSON.parse(r.stdout) as unknown[]).length > 0);
  });

  it("suppresses by flag and by annotation, and shows only -n's namespace", () => {
    const byFlag = runMast([
      "analyze",
      "-S",
      "IST0101=VirtualService default/*",
      join(dir, "x.yaml"),
    ]);
    assert.equal(byFlag.code, 0, byFlag.stdout);
    const legacy = runMast([
      "analyze",
      "-S",
      "IST01*=VirtualService reviews.default",
      join(dir, "x.yaml"),
    ]);
    assert.equal(legacy.code, 0, legacy.stdout);
    const annotated = BAD_VS.replace(
      "  namespace: default\n",
      "  namespace: default\n  annotations: {galley.istio.io/analyze-suppress: IST0101}\n",
    );
    writeFileSync(join(dir, "annotated.yaml"), annotated);
    assert.equal(runMast(["analyze", join(dir, "annotated.yaml")]).code, 0);
    const other = runMast(["analyze", "-n", "other", join(dir, "x.yaml")]);
    assert.equal(other.code, 0, other.stdout);
    assert.equal(runMast(["analyze", "-S", "nonsense", join(dir, "x.yaml")]).code, 2);
  });

  it("warns about mesh config fields it does not know and goes on", () => {
    writeFileSync(
      join(dir, "mesh-new.yaml"),
      "someFutureField: {a: 1}\nrootNamespace: istio-system\n",
    );
    const r = runMast([
      "analyze",
      "--mesh-config",
      join(dir, "mesh-new.yaml"),
      join(dir, "x.yaml"),
    ]);
    assert.equal(r.code, 79);
    assert.match(r.stderr, /someFutureField.*ignored/);
  });

  it("names a bad mesh config file and field", () => {
    writeFileSync(join(dir, "mesh.txt"), "ingressControllerMode: SOMETIMES\n");
    const r = runMast(["analyze", "--mesh-config", join(dir, "mesh.txt"), join(dir, "x.yaml")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--mesh-config .*mesh\.txt: MeshConfig ingressControllerMode/);
  });

  it("exits 2 on usage errors", () => {
    assert.equal(
      runMast(["analyze", "--analyzer", "no.SuchAnalyzer", join(dir, "x.yaml")]).code,
      2,
    );
    assert.equal(runMast(["analyze", "--failure-threshold", "Fatal", join(dir, "x.yaml")]).code, 2);
    assert.equal(runMast(["analyze", "-o", "xml", join(dir, "x.yaml")]).code, 2);
    assert.equal(runMast(["analyze", "-n", "a", "-A", join(dir, "x.yaml")]).code, 2);
    assert.equal(runMast(["analyze"]).code, 2);
  });
});
