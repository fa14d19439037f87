// mast validate end to end: files, stdin and hostile input, with errors naming the resource.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ISTIO_CORPUS, MAST_BIN } from "../helpers/paths.ts";
import { runMast } from "../helpers/run.ts";

const bookinfoNet = `${ISTIO_CORPUS}samples/bookinfo/networking`;

describe("mast validate", () => {
  it("accepts the Bookinfo networking samples", () => {
    const r = runMast(["validate", "-f", bookinfoNet]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\d+ valid, 0 invalid/);
  });

  it("reads stdin with -f - and prints errors naming the resource", () => {
    const input = "apiVersion: networking.istio.io/v1\nkind: Frob\nmetadata: {name: x}\n";
    const r = runMast(["validate", "-f", "-"], { input });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Error \[stdin:1\] kind: unknown kind "Frob"/m);
  });

  it("prints JSON with -o json", () => {
    const input = readFileSync(`${bookinfoNet}/virtual-service-all-v1.yaml`);
    const r = runMast(["validate", "-f", "-", "-o", "json"], { input });
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout) as { valid: number; diagnostics: unknown[] };
    assert.equal(out.valid, 4);
  });

  it("exits 2 on usage errors", () => {
    assert.equal(runMast(["validate"]).code, 2);
    assert.equal(runMast(["validate", "-f", "x", "-o", "xml"]).code, 2);
    assert.equal(runMast(["no-such-command"]).code, 2);
  });

  it("has help and a version", () => {
    for (const args of [["--help"], ["validate", "--help"], ["version", "--help"]]) {
      const r = runMast(args);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Usage: mast/);
    }
    assert.match(runMast(["version"]).stdout, /^mast \d+\.\d+\.\d+ \(node 26\./);
  });

  it("runs from another directory through a symlinked bin path", () => {
    const dir = mkdtempSync(join(tmpdir(), "mast-bin-"));
    try {
      symlinkSync(MAST_BIN, join(dir, "mast"));
      const r = spawnSync(join(dir, "mast"), ["--help"], { cwd: tmpdir(), encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Usage: mast/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("mast validate on hostile input", () => {
  const dir = mkdtempSync(join(tmpdir(), "mast-hostile-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bomb = [
    "a: &a [x,x,x,x,x,x,x,x,x]",
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
    "f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
  ].join("\n");
  const bigValue = "x".repeat(5 * 1024 * 1024);
  const cases: [string, string | Buffer, number, RegExp][] = [
    ["malformed.yaml", "kind: [unclosed\n", 1, /malformed YAML/],
    [
      "unknown-kind.yaml",
      "apiVersion: v1\nkind: Frob\nmetadata: {name: x}\n",
      1,
      /unknown kind "Frob"/,
    ],
    [
      "wrong-version.yaml",
      "apiVersion: networking.istio.io/v9\nkind: VirtualService\nmetadata: {name: x}\n",
      1,
      /not served/,
    ],
    ["binary.yaml", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff]), 1, /not text/],
    ["bomb.yaml", bomb, 1, /alias/i],
    ["deep.yaml", `a: ${"[".repeat(100_000)}${"]".repeat(100_000)}`, 1, /nest|malformed/],
    ["dup.yaml", "apiVersion: v1\nkind: Namespace\nkind: Pod\n", 1, /unique|duplicate/i],
    [
      "five-mb.yaml",
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big, namespace: default}\ndata: {blob: ${bigValue}}\n`,
      0,
      /1 valid, 0 invalid/,
    ],
  ];
  for (const [file, content, code, expected] of cases) {
    it(`${file}: exit ${code} with a clear message, no crash`, () => {
      const path = join(dir, file);
      writeFileSync(path, content);
      const r = runMast(["validate", "-f", path]);
      assert.equal(r.code, code, r.stdout + r.stderr);
      assert.match(r.stdout, expected);
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, "no stack trace");
    });
  }
});
