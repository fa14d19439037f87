// `mast up` as a library: Kubernetes manifests become a running local mesh. The control plane
// watches the user's config and a cluster directory the runtime writes (Services, Deployments,
// Pods); each pod gets a sidecar on its pod IP and its app behind it, started once the sidecar
// has its config (holdApplicationUntilProxyStarts); an ingress gateway serves Istio's gateways.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatDiagnostic } from "../api/diagnostic.ts";
import { parseText } from "../api/parse.ts";
import type { Resource } from "../api/resource.ts";
import { validateObject } from "../api/validate.ts";
import { readInputs } from "../config/read.ts";
import { type ProxyNode, proxyBootstrap } from "./bootstrap.ts";
import { applyToConfigDir } from "./config-dir.ts";
import { ensureHome, type MastHome } from "./home.ts";
import { type Plan, type PlannedPod, planWorkloads } from "./plan.ts";
import { gatewayIP, loadOrCreateState, pilotIP } from "./state.ts";
import { Supervisor } from "./supervisor.ts";

const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
const NODE_ARGS = ["--disable-warning=ExperimentalWarning", MAIN];
/** V8 flags for proxy processes, as bin/mast sets them: a smaller young generation, lower RSS. */
const PROXY_NODE_ARGS = ["--max-semi-space-size=4", ...NODE_ARGS];
export const XDS_PORT = 15010;
export const MONITORING_PORT = 15014;
const GATEWAY_POD = "istio-ingressgateway-5c9f8d7b6d-local";

export interface UpOptions {
  readonly home: MastHome;
  /** Kubernetes manifests with the workloads (Services, Deployments, ServiceAccounts). */
  readonly manifests: readonly string[];
  /** Istio config applied on start, as `mast apply -f` would. */
  readonly apply: readonly string[];
  readonly log?: (line: string) => void;
  readonly timeoutMs?: number;
}

export interface RunningMesh {
  readonly supervisor: Supervisor;
  readonly block: number;
  readonly productPage: string;
  readonly controlPlane: string;
  readonly pods: readonly PlannedPod[];
  stop(): Promise<void>;
}

/** Reads and validates files; any error rejects the whole set, naming the object and field. */
export function loadResources(files: readonly string[]): Resource[] {
  const parsed = readInputs(files);
  const errors = parsed.problems.filter((p) => p.level === "error").map(formatDiagnostic);
  const out: Resource[] = [];
  for (const obj of parsed.objects) {
    const v = validateObject(obj);
    errors.push(...v.diagnostics.filter((d) => d.level === "error").map(formatDiagnostic));
    // As kubectl: namespaced objects written without a namespace go to `default`.
    const r = v.resource;
    if (r?.kind.namespaced && !r.metadata.namespace)
      out.push({ ...r, metadata: { ...r.metadata, namespace: "default" } });
    else if (r) out.push(r);
  }
  if (errors.length) throw new Error(errors.join("\n"));
  return out;
}

const GATEWAY_LABELS = { app: "istio-ingressgateway", istio: "ingressgateway" };

const CLUSTER_KINDS = new Set(["Service", "ServiceAccount", "Deployment.apps"]);

/**
 * What an API server would hold: the manifests' Services, ServiceAccounts and Deployments, the
 * planned Pods, and the ingress gateway's Service and Pod.
 */
export function clusterResources(
  manifests: readonly Resource[],
  plan: Plan,
  block: number,
): Resource[] {
  return [
    ...manifests.filter((r) => CLUSTER_KINDS.has(r.kind.id)),
    ...plan.podResources,
    ...gatewayResources(block),
  ];
}

function gatewayResources(block: number): Resource[] {
  const labels = GATEWAY_LABELS;
  const objects = [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "istio-ingressgateway", namespace: "istio-system", labels },
      spec: {
        selector: labels,
        ports: [
          { name: "status-port", port: 15021, targetPort: 15021 },
          { name: "http2", port: 80, targetPort: 8080 },
          { name: "https", port: 443, targetPort: 8443 },
        ],
      },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: GATEWAY_POD, namespace: "istio-system", labels },
      spec: {
        serviceAccountName: "istio-ingressgateway-service-account",
        containers: [{ name: "istio-proxy", image: "mast/proxy" }],
      },
      status: {
        phase: "Running",
        podIP: gatewayIP(block),
        podIPs: [{ ip: gatewayIP(block) }],
        conditions: [{ type: "Ready", status: "True" }],
      },
    },
  ];
  // One document per object: a JSON array is one document, not a list of objects.
  const text = objects.map((o) => JSON.stringify(o)).join("\n---\n");
  const out: Resource[] = [];
  for (const obj of parseText(text, "ingress-gateway").objects) {
    const v = validateObject(obj);
    if (!v.resource) throw new Error(v.diagnostics.map(formatDiagnostic).join("\n"));
    out.push(v.resource);
  }
  return out;
}

async function waitFor(what: string, deadline: number, probe: () => Promise<boolean>) {
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.status === 200;
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The mesh's proxies by process name: the ingress gateway, and each pod's sidecar. */
export function proxyNodes(plan: Plan, block: number): Map<string, ProxyNode> {
  const nodes = new Map<string, ProxyNode>();
  nodes.set("istio-ingressgateway", {
    type: "router",
    podIP: gatewayIP(block),
    podName: GATEWAY_POD,
    namespace: "istio-system",
    labels: GATEWAY_LABELS,
    serviceAccount: "istio-ingressgateway-service-account",
    workloadName: "istio-ingressgateway",
  });
  for (const p of plan.pods) {
    nodes.set(`${workloadName(p, plan.pods)}-proxy`, {
      type: "sidecar",
      podIP: p.podIP,
      podName: p.name,
      namespace: p.namespace,
      labels: p.labels,
      serviceAccount: p.serviceAccount,
      workloadName: p.deployment,
      appIP: p.appIP,
    });
  }
  return nodes;
}

/** Process names: the app is its workload's name, its sidecar `<workload>-proxy`. */
export function workloadName(p: PlannedPod, pods: readonly PlannedPod[]): string {
  const same = pods.filter((q) => q.deployment === p.deployment && q.namespace === p.namespace);
  const base = p.namespace === "default" ? p.deployment : `${p.deployment}.${p.namespace}`;
  return same.length > 1 ? `${base}-${same.indexOf(p)}` : base;
}

export async function up(opts: UpOptions): Promise<RunningMesh> {
  const log = opts.log ?? (() => undefined);
  const home = ensureHome(opts.home);
  const { block } = await loadOrCreateState(home);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const manifests = loadResources(opts.manifests);
  const plan = planWorkloads(manifests, block);
  for (const p of plan.problems) log(`warning: ${p}`);
  const userConfig = loadResources(opts.apply);
  applyToConfigDir(home.config, userConfig);

  // The cluster the manifests describe, rewritten whole on each start.
  const clusterDir = home.cluster;
  rmSync(clusterDir, { recursive: true, force: true });
  mkdirSync(clusterDir, { recursive: true });
  applyToConfigDir(clusterDir, clusterResources(manifests, plan, block));

  const supervisor = new Supervisor({
    logDir: home.logs,
    pidDir: home.run,
    onEvent: (name, event, detail) => {
      if (event !== "started") log(`${name}: ${event} (${detail})`);
    },
  });
  const stop = () => supervisor.stopAll(3_000);
  try {
    const pilotHost = pilotIP(block);
    supervisor.start({
      name: "pilot",
      command: process.execPath,
      args: [
        ...NODE_ARGS,
        "pilot",
        "--config-dir",
        home.config,
        "--config-dir",
        clusterDir,
        "--xds-address",
        `${pilotHost}:${XDS_PORT}`,
        "--monitoring-address",
        `${pilotHost}:${MONITORING_PORT}`,
        "--debounce-after",
        "50",
        "--debounce-max",
        "500",
      ],
      env: {},
    });
    // Proxies back off exponentially while the control plane is away: start them once it listens.
    await waitFor("the control plane", deadline, () => tcpOpen(pilotHost, XDS_PORT));
    const startProxy = (name: string, node: ProxyNode) => {
      const file = join(home.run, `${name}.bootstrap.json`);
      writeFileSync(
        file,
        JSON.stringify(proxyBootstrap(node, { host: pilotHost, port: XDS_PORT })),
      );
      supervisor.start({
        name,
        command: process.execPath,
        args: [
          ...PROXY_NODE_ARGS,
          "proxy",
          "-c",
          file,
          "--bind-address",
          node.podIP,
          "--drain-time-s",
          "1",
        ],
        env: {},
      });
    };
    for (const [name, node] of proxyNodes(plan, block)) startProxy(name, node);
    // holdApplicationUntilProxyStarts: each app starts once its sidecar has its config.
    await Promise.all(
      plan.pods.map(async (p) => {
        await waitFor(`${p.deployment} proxy`, deadline, () =>
          httpOk(`http://${p.podIP}:15021/healthz/ready`),
        );
        for (const c of p.containers) {
          const name = workloadName(p, plan.pods);
          supervisor.start({
            name: p.containers.length > 1 ? `${name}-${c.name}` : name,
            command: process.execPath,
            args: [c.command.script],
            env: {
              ...c.command.env,
              ...c.env,
              HOST: p.appIP,
              PORT: String(c.ports[0] ?? 8080),
              HTTP_PROXY: `http://${p.podIP}:15001`,
              http_proxy: `http://${p.podIP}:15001`,
              NO_PROXY: "",
              no_proxy: "",
              NODE_USE_ENV_PROXY: "1",
            },
          });
        }
      }),
    );
    const productPage = `http://${gatewayIP(block)}:8080/productpage`;
    if (plan.pods.some((p) => p.deployment.startsWith("productpage"))) {
      await waitFor("the product page", deadline, () => httpOk(productPage));
    }
    return {
      supervisor,
      block,
      productPage,
      controlPlane: `${pilotHost}:${XDS_PORT}`,
      pods: plan.pods,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
