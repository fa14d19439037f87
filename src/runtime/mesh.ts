// `mast up` as a library: Kubernetes manifests become a running local mesh. The control plane
// watches the user's config and a cluster directory the runtime writes (Services, Deployments,
// Pods); each pod gets a sidecar on its pod IP and its app behind it, started once the sidecar
// has its config (holdApplicationUntilProxyStarts); an ingress gateway serves Istio's gateways.
// Explicit capture puts the pods on loopback addresses; transparent capture (capture.ts) puts
// each in its own network namespace with Istio's iptables rules and DNS capture.

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
import {
  bridgeIP,
  type CaptureMode,
  podNetns,
  removeMeshNetwork,
  setupMeshNetwork,
  sidecarBootstrap,
  teardownMeshNetwork,
  transparentPodIP,
} from "./capture.ts";
import { applyToConfigDir } from "./config-dir.ts";
import { ensureHome, type MastHome } from "./home.ts";
import { PROXY_GID, PROXY_UID } from "./istio-iptables.ts";
import { listening } from "./listening.ts";
import { inNetns } from "./netns.ts";
import { type Plan, type PlannedPod, planWorkloads } from "./plan.ts";
import { gatewayIP, loadOrCreateState, pilotIP } from "./state.ts";
import { Supervisor } from "./supervisor.ts";
import { allocateServiceVips } from "./vips.ts";
import { istioSecrets, MeshCa } from "./workload-certs.ts";

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
  /** How application traffic reaches the sidecars (default explicit). */
  readonly capture?: CaptureMode;
}

export interface RunningMesh {
  readonly supervisor: Supervisor;
  readonly block: number;
  readonly productPage: string;
  readonly controlPlane: string;
  /** The control plane's monitoring address (syncz, metrics). */
  readonly monitoring: string;
  readonly pods: readonly PlannedPod[];
  readonly capture: CaptureMode;
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
 * planned Pods, and the ingress gateway's Service and Pod. Captured traffic is addressed to
 * Service VIPs: with `vips`, Services get clusterIPs as a cluster would give them.
 */
export function clusterResources(
  manifests: readonly Resource[],
  plan: Plan,
  block: number,
  vips = false,
): Resource[] {
  const objects = manifests.filter((r) => CLUSTER_KINDS.has(r.kind.id));
  return [
    ...(vips ? allocateServiceVips(objects) : objects),
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

/**
 * The mesh's proxies by process name: the ingress gateway, and each pod's sidecar (`captured`:
 * behind iptables, REDIRECT mode, DNS capture; else told the app's address).
 */
export function proxyNodes(plan: Plan, block: number, captured = false): Map<string, ProxyNode> {
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
      ...(captured ? { captured } : { appIP: p.appIP }),
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
  const capture = opts.capture ?? "explicit";
  const transparent = capture === "transparent";
  const manifests = loadResources(opts.manifests);
  const plan = planWorkloads(
    manifests,
    block,
    transparent ? (i) => ({ podIP: transparentPodIP(block, i), appIP: "0.0.0.0" }) : undefined,
  );
  for (const p of plan.problems) log(`warning: ${p}`);
  const userConfig = loadResources(opts.apply);
  applyToConfigDir(home.config, userConfig);

  // The cluster the manifests describe, rewritten whole on each start.
  const clusterDir = home.cluster;
  rmSync(clusterDir, { recursive: true, force: true });
  mkdirSync(clusterDir, { recursive: true });
  applyToConfigDir(clusterDir, clusterResources(manifests, plan, block, transparent));

  const supervisor = new Supervisor({
    logDir: home.logs,
    pidDir: home.run,
    onEvent: (name, event, detail) => {
      if (event !== "started") log(`${name}: ${event} (${detail})`);
    },
  });
  const stop = async () => {
    await supervisor.stopAll(3_000);
    if (transparent) teardownMeshNetwork(block);
  };
  // Sidecars by process name → their pod's network namespace (transparent capture).
  const netnsOf = new Map(
    plan.pods.map((p, i) => [`${workloadName(p, plan.pods)}-proxy`, podNetns(block, i)]),
  );
  try {
    const left = removeMeshNetwork(block);
    if (left) log(`mast up: removed ${left} network namespaces a previous mesh left`);
    if (transparent) {
      setupMeshNetwork(
        block,
        plan.pods.map((p, index) => ({
          index,
          podIP: p.podIP,
          namespace: podNetns(block, index),
          kubeNamespace: p.namespace,
        })),
      );
    }
    // Captured pods reach the control plane on the bridge; loopback is theirs alone.
    const pilotHost = transparent ? bridgeIP(block) : pilotIP(block);
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
        `${pilotIP(block)}:${MONITORING_PORT}`,
        "--debounce-after",
        "50",
        "--debounce-max",
        "500",
      ],
      env: {},
    });
    // Proxies back off exponentially while the control plane is away: start them once it listens.
    await waitFor("the control plane", deadline, () => tcpOpen(pilotHost, XDS_PORT));
    const startProxy = (name: string, node: ProxyNode, netns?: string) => {
      const file = join(home.run, `${name}.bootstrap.json`);
      const bootstrap = JSON.stringify(proxyBootstrap(node, { host: pilotHost, port: XDS_PORT }));
      // 0600: a captured sidecar's bootstrap holds its private key
      writeFileSync(file, bootstrap, { mode: 0o600 });
      const args = [
        ...PROXY_NODE_ARGS,
        "proxy",
        "--bind-address",
        node.podIP,
        "--drain-time-s",
        "1",
      ];
      if (!netns) {
        supervisor.start({ name, command: process.execPath, args: [...args, "-c", file], env: {} });
        return;
      }
      // In its pod's namespace as uid/gid 1337, which the capture rules exempt, reading a copy
      // of the bootstrap that uid owns (MAST_HOME need not be readable by it).
      const [ip, ...netnsArgs] = inNetns(netns);
      supervisor.start({
        name,
        command: ip!,
        args: [
          ...netnsArgs,
          "setpriv",
          `--reuid=${PROXY_UID}`,
          `--regid=${PROXY_GID}`,
          "--clear-groups",
          process.execPath,
          ...args,
          "-c",
          sidecarBootstrap(block, name, bootstrap),
        ],
        env: {},
      });
    };
    // Captured sidecars' inbound chains accept mTLS too: they need the certificates istio-agent
    // would have fetched.
    const ca = transparent ? new MeshCa() : undefined;
    for (const [name, node] of proxyNodes(plan, block, transparent)) {
      const netns = transparent ? netnsOf.get(name) : undefined;
      const spiffe = `spiffe://cluster.local/ns/${node.namespace}/sa/${node.serviceAccount}`;
      startProxy(
        name,
        ca && netns ? { ...node, secrets: istioSecrets(ca.issue(spiffe)) } : node,
        netns,
      );
    }
    ca?.close();
    // holdApplicationUntilProxyStarts: each app starts once its sidecar has its config.
    await Promise.all(
      plan.pods.map(async (p, index) => {
        await waitFor(`${p.deployment} proxy`, deadline, () =>
          httpOk(`http://${p.podIP}:15021/healthz/ready`),
        );
        // Captured apps run unmodified in their namespace; explicit ones get a proxy to talk to.
        const explicitEnv = {
          HTTP_PROXY: `http://${p.podIP}:15001`,
          http_proxy: `http://${p.podIP}:15001`,
          NO_PROXY: "",
          no_proxy: "",
          NODE_USE_ENV_PROXY: "1",
        };
        const [command, ...prefix] = transparent
          ? [...inNetns(podNetns(block, index)), process.execPath]
          : [process.execPath];
        const listeners: [string, number][] = [];
        for (const c of p.containers) {
          const workload = workloadName(p, plan.pods);
          const name = p.containers.length > 1 ? `${workload}-${c.name}` : workload;
          const port = c.ports[0] ?? 8080;
          listeners.push([name, port]);
          supervisor.start({
            name,
            command: command!,
            args: [...prefix, c.command.script],
            env: {
              ...c.command.env,
              ...c.env,
              HOST: p.appIP,
              PORT: String(port),
              // a pod's hostname is its name
              ...(transparent ? { HOSTNAME: p.name } : explicitEnv),
            },
          });
        }
        // As a pod's readiness: the mesh is up once every app listens, not merely runs.
        for (const [name, port] of listeners)
          await waitFor(name, deadline, async () => {
            const pid = supervisor.pid(name);
            return pid !== undefined && listening(pid, p.appIP, port);
          });
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
      monitoring: `${pilotIP(block)}:${MONITORING_PORT}`,
      pods: plan.pods,
      capture,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
