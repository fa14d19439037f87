// Proxyless gRPC resources, as Istio's grpcgen: a client subscribes to listeners named
// `host:port` (its `xds:///host:port` target); each is an api_listener whose HCM points at the
// route configuration of the same name. Clusters and endpoints are the sidecar ones, shaped for
// gRPC (ROUND_ROBIN, no transport sockets).

import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { type Json, socketAddress } from "./common.ts";
import { httpConnectionManager } from "./filters.ts";

/** Listeners for the requested names; unknown names are left out (the client sees "does not exist"). */
export function buildGrpcListeners(
  proxy: MeshProxy,
  push: PushContext,
  names: readonly string[],
): Json[] {
  const out: Json[] = [];
  const wanted = names.length ? names : allListenerNames(proxy, push);
  for (const name of [...new Set(wanted)].sort()) {
    const colon = name.lastIndexOf(":");
    if (colon < 0) continue;
    const host = name.slice(0, colon);
    const port = Number(name.slice(colon + 1));
    const svc = push.serviceFor(proxy, host);
    if (!svc?.ports.some((p) => p.port === port)) continue;
    out.push({
      name,
      address: socketAddress(svc.address, port),
      api_listener: {
        api_listener: httpConnectionManager({ statPrefix: name, rds: name, grpc: true }),
      },
    });
  }
  return out;
}

function allListenerNames(proxy: MeshProxy, push: PushContext): string[] {
  return push.servicesFor(proxy).flatMap((s) => s.ports.map((p) => `${s.hostname}:${p.port}`));
}
