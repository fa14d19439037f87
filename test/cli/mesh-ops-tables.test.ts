// Golden tables of `mast proxy-status` and `mast proxy-config`: admin output and sync status
// captured from a running `mast up` (test/testdata/cli/*.json) rendered with istioctl's columns.
// UPDATE_GOLDEN=1 rewrites the .txt goldens.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, test } from "node:test";
import {
  type ConfigDump,
  clustersTable,
  endpointsTable,
  listenersTable,
  routesTable,
} from "../../src/cli/proxy-config-tables.ts";
import { proxyStatusTable, type SyncStatus } from "../../src/cli/proxy-status-table.ts";
import { ROOT } from "../helpers/paths.ts";

const DIR = `${ROOT}test/testdata/cli/`;
const json = (f: string): unknown => JSON.parse(readFileSync(DIR + f, "utf8"));

function golden(name: string, got: string): void {
  const file = `${DIR}${name}.golden.txt`;
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, got);
  assert.equal(got, readFileSync(file, "utf8"));
}

describe("proxy-status and proxy-config tables", () => {
  const pp = json("productpage-config-dump.json") as ConfigDump;
  const gw = json("gateway-config-dump.json") as ConfigDump;

  test("proxy-status: every proxy with its xDS states, NACK details after the table", () => {
    const out = proxyStatusTable(json("syncz.json") as SyncStatus[], "pilot.127.42.0.253");
    assert.match(out, /^NAME\s+CLUSTER\s+CDS\s+LDS\s+EDS\s+RDS\s+ECDS\s+ISTIOD\s+VERSION\n/);
    assert.match(out, /ratings-v1-\S+\.default\s+Kubernetes\s+SYNCED\s+NACKED/);
    assert.match(out, /NACK details:\n {2}ratings-v1-\S+ LDS: Listener 127\.42\.0\.3_15001/);
    golden("proxy-status", out);
  });

  test("proxy-config clusters", () => {
    const out = clustersTable(pp);
    assert.match(out, /reviews\.default\.svc\.cluster\.local\s+9080\s+v2\s+outbound\s+EDS/);
    golden("proxy-config-clusters", out);
  });

  test("proxy-config listeners (sidecar and gateway)", () => {
    const out = listenersTable(pp);
    assert.match(out, /127\.42\.0\.2\s+15001\s+ALL\s+Route: http_proxy/);
    assert.match(out, /127\.42\.0\.2\s+9080\s+ALL\s+Inline Route: inbound\|9080\|\|/);
    golden("proxy-config-listeners", out);
    golden("proxy-config-listeners-gateway", listenersTable(gw));
  });

  test("proxy-config routes (sidecar and gateway)", () => {
    const out = routesTable(pp);
    assert.match(
      out,
      /http_proxy\s+reviews\.default\.svc\.cluster\.local:9080\s+reviews:9080\s+\/\*/,
    );
    golden("proxy-config-routes", out);
    const gws = routesTable(gw);
    // VirtualService routes name their VirtualService (route metadata filter_metadata.istio).
    assert.match(gws, /http\.8080\s+\*:8080\s+\*\s+\/productpage\s+bookinfo\.default\n/);
    golden("proxy-config-routes-gateway", gws);
  });

  test("proxy-config endpoints", () => {
    const out = endpointsTable(json("productpage-clusters.json"));
    assert.match(out, /127\.42\.0\.5:9080\s+HEALTHY\s+OK\s+outbound\|9080\|v2\|reviews/);
    golden("proxy-config-endpoints", out);
  });
});
