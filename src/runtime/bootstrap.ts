// Envoy v3 bootstraps for the local mesh's proxies: ADS to the control plane, and the node id and
// Istio metadata istio-agent would send: INTERCEPTION_MODE=NONE (explicit proxying, no capture)
// with the application's own address (MAST_APP_IP) for the inbound clusters, or REDIRECT with
// DNS_CAPTURE for sidecars behind iptables capture.

import { VERSION } from "../cli/version.ts";

export interface ProxyNode {
  readonly type: "sidecar" | "router";
  readonly podIP: string;
  readonly podName: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly workloadName: string;
  /** Where the application listens (explicit sidecars only). */
  readonly appIP?: string;
  /** Behind iptables capture: REDIRECT mode, DNS proxying. */
  readonly captured?: boolean;
  /** Static secrets (the workload certificate as `default`, the root as `ROOTCA`). */
  readonly secrets?: readonly object[];
}

export function nodeId(n: ProxyNode): string {
  return `${n.type}~${n.podIP}~${n.podName}.${n.namespace}~${n.namespace}.svc.cluster.local`;
}

export function proxyBootstrap(n: ProxyNode, pilot: { host: string; port: number }): object {
  const metadata: Record<string, unknown> = {
    NAME: n.podName,
    NAMESPACE: n.namespace,
    LABELS: n.labels,
    SERVICE_ACCOUNT: n.serviceAccount,
    CLUSTER_ID: "Kubernetes",
    INSTANCE_IPS: n.podIP,
    WORKLOAD_NAME: n.workloadName,
    INTERCEPTION_MODE: n.captured ? "REDIRECT" : "NONE",
    ISTIO_VERSION: VERSION,
  };
  if (n.appIP) metadata.MAST_APP_IP = n.appIP;
  if (n.captured) metadata.DNS_CAPTURE = "true";
  return {
    node: { id: nodeId(n), cluster: `${n.workloadName}.${n.namespace}`, metadata },
    admin: { address: { socket_address: { address: n.podIP, port_value: 15000 } } },
    dynamic_resources: {
      ads_config: {
        // Delta xDS, as Istio's bootstrap since 1.22: a push carries only what changed.
        api_type: "DELTA_GRPC",
        transport_api_version: "V3",
        // A restarted control plane is found again within a second (Envoy's default grows to 30 s).
        grpc_services: [
          {
            envoy_grpc: {
              cluster_name: "xds-grpc",
              retry_policy: { retry_back_off: { base_interval: "0.1s", max_interval: "1s" } },
            },
          },
        ],
      },
      cds_config: { ads: {}, resource_api_version: "V3" },
      lds_config: { ads: {}, resource_api_version: "V3" },
    },
    static_resources: {
      ...(n.secrets ? { secrets: n.secrets } : {}),
      clusters: [
        {
          name: "xds-grpc",
          type: "STATIC",
          connect_timeout: "1s",
          load_assignment: {
            cluster_name: "xds-grpc",
            endpoints: [
              {
                lb_endpoints: [
                  {
                    endpoint: {
                      address: { socket_address: { address: pilot.host, port_value: pilot.port } },
                    },
                  },
                ],
              },
            ],
          },
          typed_extension_protocol_options: {},
        },
      ],
    },
  };
}
