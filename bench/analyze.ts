// Benchmark (not a test): the default analyzers over a generated mesh of 2,000 resources —
// 400 applications, each a Service, Deployment, Pod, VirtualService and DestinationRule, in 20
// namespaces. Reports parsing, validation of every object, the first (cold) analysis, the median
// of warm runs, and the whole `mast analyze` command on the same file;
// `node bench/analyze.ts [resources] [--json]` (--json: the result object on stdout, no table).

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { analyze } from "../src/analysis/run.ts";
import { buildSnapshot } from "../src/analysis/snapshot.ts";
import { parseText } from "../src/api/parse.ts";
import { validateObject } from "../src/api/validate.ts";

const total = Number(process.argv[2] ?? 2000);
const jsonOut = process.argv.includes("--json");
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

// Validation: schema and semantics of every object (what `mast validate` and a config source do).
validateObject(objects[0]!);
const validateStart = performance.now();
for (const o of objects) validateObject(o);
const validateMs = performance.now() - validateStart;

// The first run also loads the message catalogue and compiles the CRD schemas (once per process).
const runs: number[] = [];
let messages = 0;
let coldMs = 0;
for (let i = 0; i < 8; i++) {
  const start = performance.now();
  const { snapshot } = buildSnapshot(objects, { now: Date.now() });
  messages = analyze(snapshot).length;
  const ms = performance.now() - start;
  if (i === 0) coldMs = ms;
  else runs.push(ms);
}
runs.sort((a, b) => a - b);

// The whole command: process start, reading, parsing, analysis, output.
const dir = mkdtempSync(join(tmpdir(), "mast-bench-analyze-"));
let cliMs = 0;
try {
  const file = join(dir, "mesh.yaml");
  writeFileSync(file, text);
  const mast = fileURLToPath(new URL("../bin/mast", import.meta.url));
  const start = performance.now();
  const r = spawnSync(mast, ["analyze", file], { encoding: "utf8" });
  cliMs = performance.now() - start;
  if (r.status !== 0) process.stderr.write(r.stdout + r.stderr);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const result = {
  name: "analyze",
  resources: objects.length,
  parseMs: Math.round(parseMs),
  validateMs: Math.round(validateMs),
  analyzeColdMs: Math.round(coldMs),
  analyzeMedianMs: Math.round(runs[Math.floor(runs.length / 2)]!),
  analyzeMinMs: Math.round(runs[0]!),
  cliMs: Math.round(cliMs),
  messages,
};
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("./results/analyze.json", import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
if (jsonOut) process.stdout.write(`${JSON.stringify(result)}\n`);
else
  process.stdout.write(
    `| benchmark | resources | parse | analyze, first run | analyze, median of ${runs.length} | mast analyze (whole command) | messages |\n` +
      "|---|---|---|---|---|---|---|\n" +
      `| analyze | ${result.resources} | ${result.parseMs} ms | ${result.analyzeColdMs} ms | ${result.analyzeMedianMs} ms | ${result.cliMs} ms | ${messages} |\n`,
  );
