// `mast x` (istioctl's `experimental`): `x describe pod <workload>`, the config that applies to a
// workload of the local mesh, computed from its state directory as the control plane sees it.

import type { Command } from "commander";
import { describePod } from "../analysis/describe-pod.ts";
import { KIND } from "../api/types/index.ts";
import { proxyFromNode } from "../model/proxy.ts";
import { mastHome } from "../runtime/home.ts";
import { liveResources, pushContextOf } from "../runtime/live.ts";
import { findProxy } from "./local-proxy.ts";
import { UsageError } from "./usage.ts";

export function registerExperimental(program: Command): void {
  const x = program
    .command("x")
    .alias("experimental")
    .description("experimental commands, as istioctl's `x`");
  const describe = x
    .command("describe")
    .alias("des")
    .description("describe a resource and the Istio configuration that applies to it");
  describe
    .command("pod")
    .alias("po")
    .description(
      "the services, VirtualServices, DestinationRules, policies and mTLS mode that apply to a pod, and its ingress exposure",
    )
    .argument("<pod>", "workload (such as reviews-v1), pod name, or pod.namespace")
    .option("-n, --namespace <ns>", "namespace names are shown relative to", "default")
    .action((name: string, flags: { namespace: string }) => {
      const p = findProxy("x describe pod", name);
      const resources = [...liveResources(mastHome()).values()];
      const push = pushContextOf(resources);
      const proxy = proxyFromNode(p.node, push.registry);
      const pod = resources.find(
        (r) =>
          r.kind.id === KIND.Pod &&
          r.metadata.namespace === proxy.namespace &&
          r.metadata.name === proxy.podName,
      );
      if (!pod)
        throw new UsageError(
          `x describe pod: pods "${proxy.podName}" not found in ${proxy.namespace}`,
        );
      process.stdout.write(
        describePod({ push, proxy, pod, resources, namespace: flags.namespace }),
      );
    });
}
