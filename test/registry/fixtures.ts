// Test fixtures: a config store from YAML files or text, and Pods made from Deployments the way
// Kubernetes would schedule them (deterministic IPs), as Istio's fake environment does.

import { readFileSync } from "node:fs";
import { parseText } from "../../src/api/parse.ts";
import type { Resource } from "../../src/api/resource.ts";
import { validateObject } from "../../src/api/validate.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { ISTIO_CORPUS } from "../helpers/paths.ts";

export const BOOKINFO = `${ISTIO_CORPUS}samples/bookinfo/`;

export function resourcesFromText(text: string, file = "inline.yaml"): Resource[] {
  const { objects, problems } = parseText(text, file);
  if (problems.length) throw new Error(`${file}: ${problems.map((p) => p.message).join("; ")}`);
  const out: Resource[] = [];
  for (const o of objects) {
    const v = validateObject(o);
    if (!v.resource) {
      throw new Error(`${file}: ${v.diagnostics.map((d) => `${d.path}: ${d.message}`).join("; ")}`);
    }
    out.push(v.resource);
  }
  return out;
}

export function resourcesFromFiles(files: readonly string[]): Resource[] {
  return files.flatMap((f) => resourcesFromText(readFileSync(f, "utf8"), f));
}

export function storeOf(resources: readonly Resource[]): ConfigStore {
  const store = new ConfigStore();
  applyAll(store, resources);
  return store;
}

/** Applies `resources` to `store` in one commit (one change event, as a `mast apply` would). */
export function applyAll(store: ConfigStore, resources: readonly Resource[]): void {
  store.commit(resources.map((resource) => ({ op: "apply" as const, resource })));
}

interface DeploymentSpec {
  replicas?: number;
  template?: {
    metadata?: { labels?: Record<string, string> };
    spec?: Record<string, unknown>;
  };
}

/** One ready Pod per Deployment replica, with IPs 10.1.<deployment #>.<replica #>. */
export function podsFromDeployments(resources: readonly Resource[], zone = ""): string {
  const deployments = resources.filter((r) => r.kind.id === "Deployment.apps");
  const docs: string[] = [];
  deployments.forEach((d, i) => {
    const spec = d.spec as DeploymentSpec;
    for (let r = 0; r < (spec.replicas ?? 1); r++) {
      docs.push(
        JSON.stringify({
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: `${d.metadata.name}-${r}`,
            namespace: d.metadata.namespace,
            labels: {
              ...(spec.template?.metadata?.labels ?? {}),
              ...(zone ? { "istio-locality": zone } : {}),
            },
          },
          spec: spec.template?.spec ?? {},
          status: {
            phase: "Running",
            podIP: `10.1.${i + 1}.${r + 10}`,
            conditions: [{ type: "Ready", status: "True" }],
          },
        }),
      );
    }
  });
  return docs.join("\n---\n");
}

/** Bookinfo's platform (Services, Deployments) plus a Pod per replica. */
export function bookinfoResources(): Resource[] {
  const platform = resourcesFromFiles([`${BOOKINFO}platform/kube/bookinfo.yaml`]);
  return [...platform, ...resourcesFromText(podsFromDeployments(platform), "pods.yaml")];
}

/** Bookinfo's sample networking file `file` (e.g. "destination-rule-all.yaml"). */
export const bookinfoNetworking = (file: string): string => `${BOOKINFO}networking/${file}`;

/** A store with Bookinfo, some of its sample networking files and optional extra YAML. */
export function bookinfoStore(networkingFiles: readonly string[] = [], extra = ""): ConfigStore {
  return storeOf([
    ...bookinfoResources(),
    ...resourcesFromFiles(networkingFiles.map(bookinfoNetworking)),
    ...(extra ? resourcesFromText(extra) : []),
  ]);
}
