import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
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

  it("has help on every command and a version", () => {
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
