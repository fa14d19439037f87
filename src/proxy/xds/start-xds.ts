// Placeholder-free entry for xDS: resolves the ADS server from the bootstrap and starts the client.

import type { JsonObject } from "../../envoy/index.ts";
import type { Bootstrap } from "../config-types.ts";
import { parseDurationMs } from "../duration.ts";
import type { ProxyServer } from "../proxy.ts";
import { AdsClient } from "./ads-client.ts";

export interface XdsHandle {
  readonly initialized: Promise<void>;
  readonly client: AdsClient;
  stop(): void;
}

/** The ADS server address: the override, or the first endpoint of the bootstrap's ADS cluster. */
export function adsTarget(b: Bootstrap, override?: string): string {
  if (override) return override;
  const svc = b.dynamic_resources?.ads_config?.grpc_services?.[0];
  const clusterName = svc?.envoy_grpc?.cluster_name;
  if (!clusterName)
    throw new Error(
      "dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name: required",
    );
  const c = (b.static_resources?.clusters ?? []).find((x) => x.name === clusterName);
  const sa =
    c?.load_assignment?.endpoints?.[0]?.lb_endpoints?.[0]?.endpoint?.address?.socket_address;
  if (!sa?.address || !sa.port_value) {
    throw new Error(
      `static cluster ${clusterName} (the ADS cluster) needs an endpoint with address and port_value`,
    );
  }
  return `${sa.address.includes(":") ? `[${sa.address}]` : sa.address}:${sa.port_value}`;
}

/**
 * The ADS reconnection backoff, as Envoy reads it from the ADS gRPC service's retry_policy:
 * 500 ms growing to 30 s when unset; a base without a max grows to ten times the base.
 */
export function adsBackoff(b: Bootstrap): { initialBackoffMs: number; maxBackoffMs: number } {
  const field =
    "dynamic_resources.ads_config.grpc_services[0].envoy_grpc.retry_policy.retry_back_off";
  const backoff =
    b.dynamic_resources?.ads_config?.grpc_services?.[0]?.envoy_grpc?.retry_policy?.retry_back_off;
  if (!backoff) return { initialBackoffMs: 500, maxBackoffMs: 30_000 };
  // Envoy's BackoffStrategy: the base defaults to 1 s inside a retry policy. The durations
  // themselves were checked with the bootstrap, against Envoy's proto.
  const initialBackoffMs = parseDurationMs(backoff.base_interval, 1_000);
  const maxBackoffMs = parseDurationMs(backoff.max_interval, initialBackoffMs * 10);
  if (initialBackoffMs <= 0) throw new Error(`${field}.base_interval: must be greater than 0`);
  if (maxBackoffMs < initialBackoffMs)
    throw new Error(`${field}.max_interval: must not be less than base_interval`);
  return { initialBackoffMs, maxBackoffMs };
}

export function startXds(
  proxy: ProxyServer,
  b: Bootstrap,
  override?: string,
  onNameTable?: (table: JsonObject) => void,
): XdsHandle {
  const client = new AdsClient(proxy, {
    ...adsBackoff(b),
    target: adsTarget(b, override),
    node: b.node ?? {},
    delta: b.dynamic_resources?.ads_config?.api_type === "DELTA_GRPC",
    cdsInitialFetchTimeout: b.dynamic_resources?.cds_config?.initial_fetch_timeout,
    ldsInitialFetchTimeout: b.dynamic_resources?.lds_config?.initial_fetch_timeout,
    onNameTable,
  });
  client.start();
  return { initialized: client.initialized, client, stop: () => client.stop() };
}
