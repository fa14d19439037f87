// From Kubernetes manifests to what the local mesh runs: one pod per Deployment replica, each
// with its own loopback addresses (the proxy's pod IP and the app's address behind it), and the
// Pod objects the control plane's registry reads, as a cluster's API server would hold them.

import { createHash } from "node:crypto";
import type { KindInfo } from "../api/kinds.ts";
import { findKind } from "../api/kinds.ts";
import type { Resource } from "../api/resource.ts";
import type { Container, DeploymentSpec } from "../api/types/index.ts";
import { type LocalCommand, localCommandFor } from "./images.ts";

export interface PlannedContainer {
  readonly name: string;
  readonly image: string;
  readonly command: LocalCommand;
  readonly ports: readonly number[];
  /** Environment from the manifest (`env` with literal values). */
  readonly env: Readonly<Record<string, string>>;
}

export interface PlannedPod {
  readonly name: string;
  readonly namespace: string;
  readonly deployment: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** The address other workloads reach: the pod's sidecar listens here. */
  readonly podIP: string;
  /** Where the application listens, behind its sidecar. */
  readonly appIP: string;
  readonly containers: readonly PlannedContainer[];
}

export interface Plan {
  readonly pods: readonly PlannedPod[];
  /** Pod objects for the registry (status.podIP set, Running and Ready). */
  readonly podResources: readonly Resource[];
  /** Problems that keep a workload from running locally. */
  readonly problems: readonly string[];
}

/** Loopback block of one mesh: pods at 127.B.0.N, apps at 127.B.1.N. */
export function podAddresses(block: number, index: number): { podIP: string; appIP: string } {
  if (index < 0 || index > 253) throw new RangeError(`pod index ${index} outside the block`);
  return { podIP: `127.${block}.0.${index + 1}`, appIP: `127.${block}.1.${index + 1}` };
}

function podName(deployment: string, namespace: string, replica: number): string {
  const hash = createHash("sha256").update(`${namespace}/${deployment}`).digest("hex");
  return `${deployment}-${hash.slice(0, 9)}-${hash.slice(9, 14)}${replica ? `-${replica}` : ""}`;
}

function literalEnv(c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

/** A pod's addresses by its index in the plan. */
export type PodAddressing = (index: number) => { podIP: string; appIP: string };

export function planWorkloads(
  resources: readonly Resource[],
  block: number,
  addressing: PodAddressing = (i) => podAddresses(block, i),
): Plan {
  const pods: PlannedPod[] = [];
  const problems: string[] = [];
  const deployments = resources
    .filter((r) => r.kind.id === "Deployment.apps")
    .sort((a, b) =>
      `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace}/${b.metadata.name}`,
      ),
    );
  for (const d of deployments) {
    const spec = d.spec as unknown as DeploymentSpec;
    const namespace = d.metadata.namespace ?? "default";
    const template = spec.template;
    const containers: PlannedContainer[] = [];
    for (const c of template.spec.containers) {
      const command = c.image ? localCommandFor(c.image) : undefined;
      if (!command) {
        problems.push(
          `Deployment ${namespace}/${d.metadata.name}: no local command for image "${c.image}"`,
        );
        continue;
      }
      const ports = (c.ports ?? []).map((p) => p.containerPort);
      containers.push({ name: c.name, image: c.image!, command, ports, env: literalEnv(c) });
    }
    if (containers.length === 0) continue;
    const replicas = Math.max(1, spec.replicas ?? 1);
    for (let i = 0; i < replicas; i++) {
      const { podIP, appIP } = addressing(pods.length);
      pods.push({
        name: podName(d.metadata.name, namespace, i),
        namespace,
        deployment: d.metadata.name,
        labels: { ...(template.metadata?.labels ?? {}) },
        serviceAccount:
          template.spec.serviceAccountName ?? template.spec.serviceAccount ?? "default",
        podIP,
        appIP,
        containers,
      });
    }
  }
  return { pods, podResources: pods.map(podResource), problems };
}

const POD_KIND: KindInfo = findKind("", "Pod")!;

function podResource(p: PlannedPod): Resource {
  return {
    kind: POD_KIND,
    apiVersion: "v1",
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
    spec: {
      serviceAccountName: p.serviceAccount,
      containers: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ports: c.ports.map((containerPort) => ({ containerPort })),
      })),
    },
    status: {
      phase: "Running",
      podIP: p.podIP,
      podIPs: [{ ip: p.podIP }],
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}
