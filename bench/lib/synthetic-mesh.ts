// The synthetic mesh of the control-plane benchmark, shared by the harness that writes it and the
// ADS client pool that connects to it: service i has endpoints 10.(100+i/256).(i%256).n, and
// client proxy k is the sidecar of pod n of service k % services, a workload the registry knows
// (as every sidecar of a real cluster), so each gets its own inbound listeners and clusters.

/** Endpoints per service; clients per service can be at most this many. */
export const ENDPOINTS = 10;

export function endpointIp(service: number, n: number): string {
  return `10.${100 + ((service >> 8) & 127)}.${service & 255}.${n}`;
}

export interface ClientPod {
  readonly service: number;
  readonly name: string;
  readonly ip: string;
}

/** The pod client proxy `k` of `services` is the sidecar of. */
export function clientPod(k: number, services: number): ClientPod {
  const service = k % services;
  const n = Math.floor(k / services) + 1;
  return { service, name: `svc-${service}-${n}`, ip: endpointIp(service, n) };
}

/** How many of a service's endpoints are pods of client proxies. */
export function podsPerService(proxies: number, services: number): number {
  const pods = Math.ceil(proxies / services);
  if (pods > ENDPOINTS)
    throw new Error(`${proxies} proxies need more than ${ENDPOINTS} pods per service`);
  return pods;
}

/** A Service, its EndpointSlice (10 endpoints, 11 with `extraEndpoint`) and its client pods. */
export function serviceYaml(i: number, pods: number, extraEndpoint = false): string {
  const endpoints = Array.from(
    { length: extraEndpoint ? ENDPOINTS + 1 : ENDPOINTS },
    (_, n) => `  - addresses: ["${endpointIp(i, n + 1)}"]\n    conditions: { ready: true }\n`,
  ).join("");
  const podDocs = Array.from(
    { length: pods },
    (_, n) => `---
apiVersion: v1
kind: Pod
metadata: { name: svc-${i}-${n + 1}, namespace: default, labels: { app: svc-${i} } }
spec: { serviceAccountName: default }
status: { phase: Running, podIP: ${endpointIp(i, n + 1)}, conditions: [{ type: Ready, status: "True" }] }
`,
  ).join("");
  return `apiVersion: v1
kind: Service
metadata: { name: svc-${i}, namespace: default }
spec:
  selector: { app: svc-${i} }
  ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: svc-${i}-x1, namespace: default, labels: { kubernetes.io/service-name: svc-${i} } }
addressType: IPv4
ports: [{ name: http, port: 8080, protocol: TCP }]
endpoints:
${endpoints}${podDocs}`;
}
