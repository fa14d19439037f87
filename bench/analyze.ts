// Benchmark (not a test): the default analyzers over a generated mesh of 2,000 resources —
// 400 applications, each a Service, Deployment, Pod, VirtualService and DestinationRule, in 20
// namespaces. Prints the median of several runs; `node bench/analyze.ts [resources]`.

import { mkdirSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { analyze } from "../src/analysis/run.ts";
import { buildSnapshot } from "../src/analysis/snapshot.ts";
import { parseText } from "../src/api/parse.ts";

const total = Number(process.argv[2] ?? 2000);
const apps = Math.max(1, Math.floor(total / 5));
const docs: unknown[] = [];
for (let i = 0; i < apps; i++) {
  const ns = `ns-${i % 20}`;
  const name = `app-${i}`;
  const labels = { app: name, version: "v1" };
  docs.push(
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: ns },
      spec: { selector: { app: name }, ports: [{ name: "http", port: 9080 }] },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: `${name}-v1`, namespace: ns },
      spec: {
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name, image: "app:1" }] } },
      },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `${name}-v1-abc`, namespace: ns, labels },
      spec: {
        containers: [
          { name, image: "app:1" },
          { name: "istio-proxy", image: "proxyv2:1" },
        ],
      },
    },
    {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name, namespace: ns },
      spec: { hosts: [name], http: [{ route: [{ destination: { host: name, subset: "v1" } }] }] },
    },
    {
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata: { name, namespace: ns },
      spec: { host: name, subsets: [{ name: "v1", labels: { version: "v1" } }] },
    },
  );
}
const text = docs.map((d) => stringify(d)).join("---\n");

const parseStart = performance.now();
const { objects } = parseText(text, "generated.yaml");
const parseMs = performance.now() - parseStart;

const runs: number[] = [];
let messages = 0;
for (let i = 0; i < 7; i++) {
  const start = performance.now();
  const { snapshot } = buildSnapshot(objects, { now: Date.now() });
  messages = analyze(snapshot).length;
  runs.push(performance.now() - start);
}
runs.sort((a, b) => a - b);
const result = {
  name: "analyze",
  resources: objects.length,
  parseMs: Math.round(parseMs),
  analyzeMedianMs: Math.round(runs[Math.floor(runs.length / 2)]!),
  analyzeMinMs: Math.round(runs[0]!),
  messages,
};
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("./results/analyze.json", import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
process.stdout.write(
  `| benchmark | resources | parse | analyze (median of ${runs.length}) | messages |\n|---|---|---|---|---|\n` +
    `| analyze | ${result.resources} | ${result.parseMs} ms | ${result.analyzeMedianMs} ms | ${messages} |\n`,
);
