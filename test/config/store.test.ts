// ConfigStore: versioned writes, one event batch per commit.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseText } from "../../src/api/parse.ts";
import { validateObject } from "../../src/api/validate.ts";
import { DirSource } from "../../src/config/dir-source.ts";
import { type ChangeEvent, ConfigStore } from "../../src/config/store.ts";

const ns = (name: string, label = "a") =>
  `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: {l: ${label}}}\n`;

function resource(text: string) {
  const r = validateObject(parseText(text).objects[0]!).resource;
  assert.ok(r);
  return r;
}

describe("ConfigStore", () => {
  it("versions writes and emits one event batch per commit", () => {
    const store = new ConfigStore();
    const batches: (readonly ChangeEvent[])[] = [];
    store.subscribe((e) => batches.push(e));
    store.commit([
      { op: "apply", resource: resource(ns("a")) },
      { op: "apply", resource: resource(ns("b")) },
    ]);
    assert.equal(batches.length, 1);
    assert.deepEqual(
      batches[0]!.map((e) => e.type),
      ["added", "added"],
    );
    assert.equal(store.get("Namespace", undefined, "b")?.metadata.resourceVersion, "2");
    store.apply(resource(ns("a")));
    assert.equal(batches.length, 1, "an identical apply is not a change");
    store.apply(resource(ns("a", "changed")));
    assert.equal(batches[1]![0]!.type, "updated");
    assert.equal(batches[1]![0]!.previous?.metadata.labels?.l, "a");
    assert.ok(store.delete("Namespace", undefined, "a"));
    assert.equal(store.delete("Namespace", undefined, "a"), false);
    assert.deepEqual(
      store.list().map((r) => r.metadata.name),
      ["b"],
    );
  });
});

describe("DirSource", () => {
  const dir = mkdtempSync(join(tmpdir(), "mast-dir-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps the last good objects of a file that turns bad, and deletes removed files", () => {
    const store = new ConfigStore();
    writeFileSync(join(dir, "one.yaml"), `${ns("a")}---\n${ns("b")}`);
    writeFileSync(join(dir, "two.yaml"), ns("c"));
    const source = new DirSource(dir, store);
    assert.deepEqual(source.sync(), []);
    assert.equal(store.size, 3);

    writeFileSync(join(dir, "one.yaml"), `${ns("a", "new")}---\nkind: [broken\n`);
    const problems = source.sync();
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /malformed YAML/);
    assert.equal(store.get("Namespace", undefined, "a")?.metadata.labels?.l, "a");
    assert.ok(store.get("Namespace", undefined, "b"), "last good version kept");

    writeFileSync(join(dir, "one.yaml"), ns("a", "new"));
    assert.deepEqual(source.sync(), []);
    assert.equal(store.get("Namespace", undefined, "a")?.metadata.labels?.l, "new");
    assert.equal(store.get("Namespace", undefined, "b"), undefined);

    unlinkSync(join(dir, "two.yaml"));
    source.sync();
    assert.deepEqual(
      store.list().map((r) => r.metadata.name),
      ["a"],
    );
  });

  it("picks up changes by watching", async () => {
    const store = new ConfigStore();
    const source = new DirSource(dir, store, { debounceMs: 10 });
    source.start();
    try {
      const changed = new Promise<void>((resolve) => store.subscribe(() => resolve()));
      writeFileSync(join(dir, "three.yaml"), ns("watched"));
      await Promise.race([
        changed,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("no change event in 5s")), 5000),
        ),
      ]);
      assert.ok(store.get("Namespace", undefined, "watched"));
    } finally {
      source.stop();
    }
  });
});
