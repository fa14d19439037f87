// PeerAuthentication composed as Istio's ComposePeerAuthentication: root, namespace, workload;
// UNSET inherits from the level above; port-level modes only on their port.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KIND } from "../../src/api/types/index.ts";
import { composePeerAuthentication } from "../../src/model/peer-authentication.ts";
import { PushContext } from "../../src/model/push-context.ts";
import { resourcesFromText, storeOf } from "../registry/fixtures.ts";

function pa(name: string, namespace: string, spec: string): string {
  return `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: ${namespace}}
spec: ${spec}
---
`;
}

function compose(yaml: string, labels: Record<string, string> = { app: "ratings" }) {
  const push = PushContext.build(storeOf(resourcesFromText(yaml)));
  return composePeerAuthentication(
    push.policiesFor(KIND.PeerAuthentication, { namespace: "default", labels }),
  );
}

describe("composePeerAuthentication", () => {
  test("nothing set: PERMISSIVE", () => {
    assert.deepEqual(compose(""), { mode: "PERMISSIVE", perPort: new Map() });
  });

  test("the namespace overrides the root; an UNSET workload policy inherits", () => {
    const yaml =
      pa("default", "istio-system", "{mtls: {mode: STRICT}}") +
      pa("ns", "default", "{mtls: {mode: DISABLE}}") +
      pa("w", "default", "{selector: {matchLabels: {app: ratings}}, mtls: {mode: UNSET}}");
    assert.equal(compose(yaml).mode, "DISABLE");
    assert.equal(compose(pa("default", "istio-system", "{mtls: {mode: STRICT}}")).mode, "STRICT");
  });

  test("port-level modes apply to their port; a port-level UNSET takes the workload's mode", () => {
    const yaml =
      pa("default", "istio-system", "{mtls: {mode: STRICT}}") +
      pa(
        "w",
        "default",
        `{selector: {matchLabels: {app: ratings}}, portLevelMtls: {"9080": {mode: PERMISSIVE}, "9090": {mode: UNSET}}}`,
      );
    const got = compose(yaml);
    assert.equal(got.mode, "STRICT");
    assert.deepEqual(
      [...got.perPort],
      [
        [9080, "PERMISSIVE"],
        [9090, "STRICT"],
      ],
    );
    // Another workload of the namespace is not selected.
    assert.equal(compose(yaml, { app: "reviews" }).perPort.size, 0);
  });
});
