// ObjectMeta checks of custom resources (names, labels), worded as the API server does.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errorBody } from "../../../src/api/schema/field-error.ts";
import { objectMetaErrors } from "../../../src/api/schema/object-meta.ts";
import { validateObject } from "../../../src/api/validate.ts";

const lines = (meta: unknown, namespaced = true) =>
  objectMetaErrors(meta, namespaced).map((e) => `${e.path}: ${errorBody(e)}`);

describe("ObjectMeta checks of custom resources", () => {
  it("accepts Kubernetes names, namespaces, labels and annotations", () => {
    const meta = {
      name: "reviews.v1",
      namespace: "bookinfo",
      labels: { app: "reviews", "app.kubernetes.io/version": "v1", empty: "" },
      annotations: { "sidecar.istio.io/inject": "false" },
    };
    assert.deepEqual(lines(meta), []);
  });

  it("words bad names and labels as the API server does", () => {
    const out = lines({ name: "BACKEND", namespace: "a.b", labels: { "x/y/z": "ok", k: "-v" } });
    assert.equal(out.length, 4);
    assert.match(
      out[0]!,
      /^metadata\.name: Invalid value: "BACKEND": a lowercase RFC 1123 subdomain/,
    );
    assert.match(
      out[1]!,
      /^metadata\.namespace: Invalid value: "a\.b": a lowercase RFC 1123 label/,
    );
    assert.match(out[2]!, /^metadata\.labels: Invalid value: "x\/y\/z": a qualified name/);
    assert.match(out[3]!, /^metadata\.labels: Invalid value: "-v": a valid label must be/);
    assert.deepEqual(lines({ name: "x", namespace: "A" }, false), []);
  });

  it("makes a bad name a warning and a non-string label an error in mast validate", () => {
    const body = (labels: unknown) => ({
      apiVersion: "networking.istio.io/v1",
      kind: "ServiceEntry",
      metadata: { name: "BACKEND", namespace: "default", labels },
      spec: { hosts: ["a.example.com"] },
    });
    const ok = validateObject({ body: body({ app: "x" }), origin: { doc: 0 } });
    assert.ok(ok.resource);
    assert.deepEqual(
      ok.diagnostics.map((d) => `${d.level} ${d.path}`),
      ["warning metadata.name"],
    );
    const bad = validateObject({ body: body({ app: 1 }), origin: { doc: 0 } });
    assert.equal(bad.resource, undefined);
    assert.match(
      bad.diagnostics.find((d) => d.level === "error")!.message,
      /must be of type string/,
    );
  });
});
