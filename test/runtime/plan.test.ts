import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseText } from "../../src/api/parse.ts";
import { validateObject } from "../../src/api/validate.ts";
import { planWorkloads, podAddresses } from "../../src/runtime/plan.ts";
import { ISTIO_CORPUS } from "../helpers/paths.ts";

function load(file: string) {
  const { objects } = parseText(readFileSync(file), file);
  return objects.map((o) => validateObject(o).resource!).filter(Boolean);
}

describe("planWorkloads", () => {
  it("runs every Bookinfo deployment as a pod with its own addresses", () => {
    const plan = planWorkloads(
      load(`${ISTIO_CORPUS}samples/bookinfo/platform/kube/bookinfo.yaml`),
      7,
    );
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(
      plan.pods.map((p) => [p.deployment, p.labels.version, p.serviceAccount, p.podIP, p.appIP]),
      [
        ["details-v1", "v1", "bookinfo-details", "127.7.0.1", "127.7.1.1"],
        ["productpage-v1", "v1", "bookinfo-productpage", "127.7.0.2", "127.7.1.2"],
        ["ratings-v1", "v1", "bookinfo-ratings", "127.7.0.3", "127.7.1.3"],
        ["reviews-v1", "v1", "bookinfo-reviews", "127.7.0.4", "127.7.1.4"],
        ["reviews-v2", "v2", "bookinfo-reviews", "127.7.0.5", "127.7.1.5"],
        ["reviews-v3", "v3", "bookinfo-reviews", "127.7.0.6", "127.7.1.6"],
      ],
    );
    const v3 = plan.pods.find((p) => p.deployment === "reviews-v3")!;
    assert.deepEqual(v3.containers[0]!.command.env, { ENABLE_RATINGS: "true", STAR_COLOR: "red" });
    assert.deepEqual(v3.containers[0]!.ports, [9080]);
    const pod = plan.podResources[0]!;
    assert.equal(pod.kind.id, "Pod");
    assert.equal((pod.status as { podIP: string }).podIP, "127.7.0.1");
    assert.equal(pod.metadata.name, plan.pods[0]!.name, "stable pod names");
    assert.match(pod.metadata.name, /^details-v1-[0-9a-f]{9}-[0-9a-f]{5}$/);
  });

  it("reports images it cannot run locally", () => {
    const plan = planWorkloads(
      load(`${ISTIO_CORPUS}samples/bookinfo/platform/kube/bookinfo-ratings-v2.yaml`),
      7,
    );
    assert.equal(plan.pods.length, 0);
    assert.match(plan.problems[0]!, /Deployment default\/ratings-v2: no local command for image/);
  });

  it("keeps addresses inside the block", () => {
    assert.deepEqual(podAddresses(9, 0), { podIP: "127.9.0.1", appIP: "127.9.1.1" });
    assert.throws(() => podAddresses(9, 254), RangeError);
  });
});
