// How `mast up` gets application traffic into the sidecars. Explicit: HTTP_PROXY-style, no
// privileges. Transparent: as on Kubernetes with Istio's CNI/init container, each pod in its own
// network namespace on a bridge, with istio-iptables' rules and DNS capture; the sidecar runs as
// uid 1337. Everything made here is named after the mesh's block, so a later `mast up` or
// `mast down` finds and removes what a killed one left.

import { chownSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { systemResolvers } from "../proxy/dns/dns-proxy.ts";
import { ISTIO_CAPTURE, installCapture, PROXY_GID, PROXY_UID } from "./istio-iptables.ts";
import {
  addBridge,
  addNetns,
  addVeth,
  commandExists,
  deleteLink,
  deleteNetns,
  listNetns,
  netnsUnavailable,
  writeNetnsEtc,
} from "./netns.ts";

export type CaptureMode = "transparent" | "explicit";
export type CaptureRequest = CaptureMode | "auto";

export interface CaptureChoice {
  readonly mode: CaptureMode;
  /** Why this mode (printed by `mast up`). */
  readonly reason: string;
}

/** auto: transparent where namespaces and iptables work (root, CAP_NET_ADMIN), else explicit. */
export function chooseCapture(req: CaptureRequest): CaptureChoice {
  if (req === "explicit") return { mode: "explicit", reason: "as asked" };
  // openssl makes the sidecars' workload certificates (workload-certs.ts)
  const missing =
    netnsUnavailable() ??
    (commandExists("openssl") ? undefined : "openssl not found (apt-get install openssl)");
  if (req === "transparent") {
    if (missing) throw new Error(`--capture transparent: ${missing}`);
    return { mode: "transparent", reason: "as asked" };
  }
  return missing
    ? { mode: "explicit", reason: missing }
    : { mode: "transparent", reason: "root with CAP_NET_ADMIN, network namespaces work" };
}

/** Inbound ports left uncaptured: Istio's, and the admin port so `mast proxy-config` reaches it. */
export const MESH_CAPTURE = {
  ...ISTIO_CAPTURE,
  excludeInboundPorts: [...ISTIO_CAPTURE.excludeInboundPorts, 15000],
};

/** The pod network of one mesh: 198.18.B.0/24 on bridge `mastbrB`, the bridge at .1. */
export function bridgeName(block: number): string {
  return `mastbr${block}`;
}

export function bridgeIP(block: number): string {
  return `198.18.${block}.1`;
}

export function transparentPodIP(block: number, index: number): string {
  if (index < 0 || index > 252) throw new RangeError(`pod index ${index} outside the block`);
  return `198.18.${block}.${index + 2}`;
}

export function podNetns(block: number, index: number): string {
  return `mast-${block}-${index}`;
}

/** Files only the sidecars' uid reads (their bootstraps), on tmpfs, removed at teardown. */
function runDir(block: number): string {
  return `/run/mast/${block}`;
}

/** Writes a sidecar's bootstrap where uid 1337 alone can read it; returns the path. */
export function sidecarBootstrap(block: number, name: string, text: string): string {
  const dir = runDir(block);
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  const file = join(dir, `${name}.bootstrap.json`);
  writeFileSync(file, text, { mode: 0o600 });
  chownSync(file, PROXY_UID, PROXY_GID);
  return file;
}

function netnsPrefix(block: number): string {
  return `mast-${block}-`;
}

export interface PodNetwork {
  readonly index: number;
  readonly podIP: string;
  readonly namespace: string;
  /** The workload's Kubernetes namespace (for resolv.conf's search list). */
  readonly kubeNamespace: string;
}

/** resolv.conf of a pod: Kubernetes' search list; the queries are redirected to the sidecar. */
export function podResolvConf(kubeNamespace: string, nameservers: readonly string[]): string {
  const servers = nameservers.length ? nameservers : ["198.18.0.1"];
  return [
    "# mast up (transparent capture): queries go to the sidecar's DNS proxy on 15053",
    ...servers.map((s) => `nameserver ${s}`),
    `search ${kubeNamespace}.svc.cluster.local svc.cluster.local cluster.local`,
    "options ndots:5",
    "",
  ].join("\n");
}

/** Creates the bridge and every pod's namespace, veth, rules and resolv.conf. */
export function setupMeshNetwork(block: number, pods: readonly PodNetwork[]): void {
  const bridge = bridgeName(block);
  addBridge(bridge, `${bridgeIP(block)}/24`);
  const nameservers = systemResolvers();
  for (const p of pods) {
    // tcp_tw_reuse: captured connection churn otherwise exhausts the ports toward one destination
    addNetns(p.namespace, { "net.ipv4.tcp_tw_reuse": "1" });
    addVeth(
      { name: `mv${block}p${p.index}`, bridge },
      { name: "eth0", ns: p.namespace, cidrs: [`${p.podIP}/24`], gateway: bridgeIP(block) },
    );
    installCapture(p.namespace, MESH_CAPTURE);
    writeNetnsEtc(p.namespace, { "resolv.conf": podResolvConf(p.kubeNamespace, nameservers) });
  }
}

/** Removes the mesh's namespaces (their rules and veths go with them), /etc/netns files, bridge. */
export function teardownMeshNetwork(block: number): number {
  const prefix = netnsPrefix(block);
  let removed = 0;
  const etc = (() => {
    try {
      return readdirSync("/etc/netns");
    } catch {
      return [];
    }
  })();
  const names = new Set([...listNetns(), ...etc].filter((n) => n.startsWith(prefix)));
  for (const ns of names) {
    deleteNetns(ns);
    removed++;
  }
  deleteLink(bridgeName(block));
  rmSync(runDir(block), { recursive: true, force: true });
  return removed;
}

/**
 * What a killed transparent mesh left (for `mast down` and any `mast up`): nothing to do when
 * not root, since only root could have made it.
 */
export function removeMeshNetwork(block: number): number {
  if (process.getuid?.() !== 0 || !commandExists("ip")) return 0;
  return teardownMeshNetwork(block);
}
