// `istioctl x describe pod` over a snapshot: the pod, the services that select it, the
// DestinationRule and VirtualService its sidecar applies to each (subsets the pod belongs to,
// routes that reach it), the security policies that select it with the effective mTLS mode, and
// its exposure through ingress gateways. Layout and wording follow istioctl's describe.go.

import type { Resource } from "../api/resource.ts";
import type { DestinationRuleSpec, TrafficPolicy } from "../api/types/destination-rule.ts";
import type {
  HTTPMatchRequest,
  HTTPRoute,
  StringMatch,
  TCPRoute,
  VirtualServiceSpec,
} from "../api/types/index.ts";
import { KIND } from "../api/types/index.ts";
import type { PodSpec } from "../api/types/kubernetes-workloads.ts";
import { composePeerAuthentication } from "../model/peer-authentication.ts";
import type { MeshProxy } from "../model/proxy.ts";
import type { PushContext } from "../model/push-context.ts";
import { MESH_GATEWAY } from "../model/virtual-services.ts";
import { resolveShortName } from "../registry/hosts.ts";
import type { Service, ServicePort, Workload } from "../registry/types.ts";
import { selectorMatches } from "../registry/workloads.ts";

export interface DescribePodInput {
  readonly push: PushContext;
  /** The pod's proxy, as the control plane sees it (its sidecar scope decides what applies). */
  readonly proxy: MeshProxy;
  readonly pod: Resource;
  /** Every object of the mesh, to show rules as written (istioctl reads them from the API). */
  readonly resources: readonly Resource[];
  /** The namespace names are relative to (`-n`): objects elsewhere print as `name.namespace`. */
  readonly namespace: string;
}

const SEPARATOR = "--------------------";
const indent = (level: number) => " ".repeat(level * 3);

export function describePod(input: DescribePodInput): string {
  const { push, proxy, pod } = input;
  const out: string[] = [];
  const kname = (m: { name: string; namespace?: string }) =>
    (m.namespace ?? "default") === input.namespace ? m.name : `${m.name}.${m.namespace}`;

  printPod(out, pod, kname(pod.metadata));
  const workload = push.registry.workload(proxy.namespace, proxy.podName);
  const services = workload ? push.registry.servicesOf(workload) : [];
  if (services.length === 0) {
    out.push(
      `Warning: No Kubernetes Services select pod ${kname(pod.metadata)} (see https://istio.io/docs/setup/kubernetes/additional-setup/requirements/ )`,
    );
  }
  out.push(SEPARATOR);
  const labels = proxy.labels;
  services.forEach((svc, row) => {
    if (row > 0) out.push(SEPARATOR);
    out.push(`Service: ${kname(svc)}`);
    for (const port of svc.ports) {
      if (port.protocol === "UDP") continue;
      out.push(
        `   Port: ${port.name} ${port.port}/${protocolOf(port)} targets pod port ${targetPort(port, workload)}`,
      );
    }
    const level = svc.ports.length > 1 ? 1 : 0;
    for (const port of svc.ports) {
      if (svc.ports.length > 1) out.push(`${port.port}:`);
      const { dr, subsets } = destinationRuleFor(input, proxy, svc, labels);
      if (dr && subsets) printDestinationRule(out, level, dr, subsets, kname);
      const vsc = push
        .virtualServicesFor(proxy)
        .find((v) => v.hosts.includes(svc.hostname) && !v.delegate);
      const vs = vsc ? asWritten(input, KIND.VirtualService, vsc) : undefined;
      if (vs) printVirtualService(out, level, vs, svc, subsets, dr, kname);
    }
  });

  out.push(SEPARATOR);
  const peer = composePeerAuthentication(push.policiesFor(KIND.PeerAuthentication, proxy));
  out.push("Effective PeerAuthentication:", `   Workload mTLS mode: ${peer.mode}`);
  if (peer.perPort.size > 0) {
    out.push("   Port Level mTLS mode:");
    for (const [port, mode] of peer.perPort) out.push(`      ${port}: ${mode}`);
  }
  for (const kindId of [
    KIND.PeerAuthentication,
    KIND.RequestAuthentication,
    KIND.AuthorizationPolicy,
  ]) {
    const p = push.policiesFor(kindId, proxy);
    const applied = [...p.root, ...p.namespace, ...p.workload];
    if (applied.length === 0) continue;
    out.push(`Applied ${applied[0]!.kind.kind}:`);
    out.push(`   ${applied.map((r) => `${r.metadata.name}.${r.metadata.namespace}`).join(", ")}`);
  }

  printIngress(out, input, services, labels, kname);
  return `${out.join("\n")}\n`;
}

/** The object as the user wrote it (istioctl shows rules as read from the API server). */
function asWritten(
  input: DescribePodInput,
  kindId: string,
  ref: { namespace: string; name: string },
): Resource | undefined {
  return input.resources.find(
    (r) =>
      r.kind.id === kindId &&
      r.metadata.namespace === ref.namespace &&
      r.metadata.name === ref.name,
  );
}

/** The DestinationRule a client applies to `svc`, and the subsets of it the pod belongs to. */
function destinationRuleFor(
  input: DescribePodInput,
  client: Pick<MeshProxy, "namespace" | "labels">,
  svc: Service,
  podLabels: Readonly<Record<string, string>>,
): { dr?: Resource; subsets?: Subsets } {
  const from = input.push.destinationRule(client, svc)?.from[0];
  if (!from) return {};
  const [namespace = "", name = ""] = from.split("/");
  const dr = asWritten(input, KIND.DestinationRule, { namespace, name });
  if (!dr) return {};
  const subsets: Subsets = { matching: [], nonMatching: [] };
  for (const s of (dr.spec as unknown as DestinationRuleSpec).subsets ?? [])
    (selectorMatches(s.labels ?? {}, podLabels) ? subsets.matching : subsets.nonMatching).push(
      s.name,
    );
  return { dr, subsets };
}

function printPod(out: string[], pod: Resource, name: string): void {
  const spec = pod.spec as unknown as PodSpec;
  const ports: string[] = [];
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      const proto = p.protocol && p.protocol !== "TCP" ? `/${p.protocol}` : "";
      ports.push(`${p.containerPort}${proto} (${c.name})`);
    }
  }
  out.push(`Pod: ${name}`, "   Pod Revision: default");
  out.push(ports.length > 0 ? `   Pod Ports: ${ports.join(", ")}` : "   Pod does not expose ports");
  const labels = pod.metadata.labels ?? {};
  const requirements = "https://istio.io/latest/docs/ops/deployment/application-requirements/";
  // The labels Istio's telemetry names services and revisions by, in order of precedence.
  const canonical = [
    ["name", ["service.istio.io/canonical-name", "app.kubernetes.io/name", "app"]],
    ["revision", ["service.istio.io/canonical-revision", "app.kubernetes.io/version", "version"]],
  ] as const;
  for (const [what, keys] of canonical) {
    if (keys.some((k) => labels[k])) continue;
    out.push(
      `Suggestion: add required service ${what} label for Istio telemetry. See ${requirements}.`,
    );
  }
}

/** istioctl's findProtocolForPort: unnamed ports are auto-detected. */
function protocolOf(port: ServicePort): string {
  if (!port.name) return "auto-detect";
  return port.protocol === "UNSUPPORTED" ? "TCP" : port.protocol;
}

function targetPort(port: ServicePort, workload: Workload | undefined): number {
  if (port.targetPortName) return workload?.ports[port.targetPortName] ?? port.port;
  return port.targetPort ?? port.port;
}

interface Subsets {
  readonly matching: string[];
  readonly nonMatching: string[];
}

function printDestinationRule(
  out: string[],
  level: number,
  dr: Resource,
  subsets: Subsets,
  kname: (m: Resource["metadata"]) => string,
): void {
  const spec = dr.spec as unknown as DestinationRuleSpec;
  const at = (n: number) => indent(level + n);
  out.push(`${at(0)}DestinationRule: ${kname(dr.metadata)} for "${spec.host}"`);
  const { matching, nonMatching } = subsets;
  if (matching.length > 0 || nonMatching.length > 0) {
    if (matching.length === 0)
      out.push(
        `${at(1)}WARNING POD DOES NOT MATCH ANY SUBSETS.  (Non matching subsets ${nonMatching.join(",")})`,
      );
    out.push(`${at(1)}Matching subsets: ${matching.join(",")}`);
    if (nonMatching.length > 0) out.push(`${at(2)}(Non-matching subsets ${nonMatching.join(",")})`);
  }
  const tp = spec.trafficPolicy;
  if (!tp) {
    out.push(`${at(1)}No Traffic Policy`);
    return;
  }
  if (tp.tls) out.push(`${at(1)}Traffic Policy TLS Mode: ${tp.tls.mode ?? "DISABLE"}`);
  const short = shortPolicies(tp);
  if (short) out.push(`${at(1)}${short}`);
  if (tp.portLevelSettings) {
    out.push(`${at(1)}Port Level Settings:`);
    for (const ps of tp.portLevelSettings) {
      out.push(`${indent(1)} ${ps.port?.number ?? 0}:`);
      if (ps.tls) out.push(`${at(2)}TLS Mode: ${ps.tls.mode ?? "DISABLE"}`);
      const sp = shortPolicies(ps);
      if (sp) out.push(`${at(2)}${sp}`);
    }
  }
}

function shortPolicies(
  tp: Pick<TrafficPolicy, "loadBalancer" | "connectionPool" | "outlierDetection">,
): string {
  const extra: string[] = [];
  if (tp.loadBalancer) extra.push("load balancer");
  if (tp.connectionPool) extra.push("connection pool");
  if (tp.outlierDetection) extra.push("outlier detection");
  return extra.length > 0 ? `Policies: ${extra.join("/")}` : "";
}

function printVirtualService(
  out: string[],
  level: number,
  vs: Resource,
  svc: Service,
  subsets: Subsets | undefined,
  dr: Resource | undefined,
  kname: (m: Resource["metadata"]) => string,
): void {
  const spec = vs.spec as unknown as VirtualServiceSpec;
  const ns = vs.metadata.namespace ?? "default";
  const at = (n: number) => indent(level + n);
  const targets = (host: string) => resolveShortName(host, ns) === svc.hostname;
  out.push(`${at(0)}VirtualService: ${kname(vs.metadata)}`);
  let matches = 0;
  let facts = 0;
  const mismatchNotes: string[] = [];
  const routes: [boolean, string[]][] = [
    ...(spec.http ?? []).map((r) => httpRouteFacts(r, targets, subsets, dr, kname)),
    ...(spec.tcp ?? []).map((r) => tcpRouteFacts(r, targets)),
  ];
  for (const [matched, lines] of routes) {
    if (!matched) {
      mismatchNotes.push(...lines);
      continue;
    }
    matches++;
    for (const line of lines) out.push(`${at(1)}${line}`);
    facts += lines.length;
  }
  const http = spec.http?.length ?? 0;
  const tcp = spec.tcp?.length ?? 0;
  if (matches === 0) {
    if (http > 0)
      out.push(`${at(1)}WARNING: No destinations match pod subsets (checked ${http} HTTP routes)`);
    if (tcp > 0)
      out.push(`${at(1)}WARNING: No destinations match pod subsets (checked ${tcp} TCP routes)`);
    for (const m of mismatchNotes) out.push(`${at(2)}${m}`);
    return;
  }
  const possible = http + (spec.tls?.length ?? 0) + tcp;
  if (matches < possible) {
    // An earlier route may take the traffic: only the routes that can reach the pod are shown.
    out.push(
      `${at(1)}${possible - matches} additional destination(s) that will not reach this pod`,
    );
    if (facts === 0) for (const m of mismatchNotes) out.push(`${at(2)}${m}`);
    return;
  }
  if (facts === 0) {
    if (http > 0) out.push(`${at(1)}${http} HTTP route(s)`);
    if (tcp > 0) out.push(`${at(1)}${tcp} TCP route(s)`);
  }
}

/** Whether an HTTP route can send traffic to this pod, and what to say about it. */
function httpRouteFacts(
  route: HTTPRoute,
  targets: (host: string) => boolean,
  subsets: Subsets | undefined,
  dr: Resource | undefined,
  kname: (m: Resource["metadata"]) => string,
): [boolean, string[]] {
  const facts: string[] = [];
  const mismatch: string[] = [];
  let match = false;
  for (const d of route.route ?? []) {
    const { host, subset } = d.destination;
    if (!targets(host)) {
      facts.push(
        subset
          ? `Route to ${host} with invalid config`
          : `Route to host "${host}" with weight ${d.weight ?? 0}%`,
      );
      continue;
    }
    if (subset) {
      if (subsets?.nonMatching.includes(subset)) {
        mismatch.push(`Route to non-matching subset ${subset} for (${renderMatches(route.match)})`);
        continue;
      }
      if (!subsets?.matching.includes(subset)) {
        mismatch.push(
          dr
            ? `Warning: Route to UNKNOWN subset ${subset}; check DestinationRule ${kname(dr.metadata)}`
            : `Warning: Route to subset ${subset} but NO DESTINATION RULE defining subsets!`,
        );
        continue;
      }
    }
    match = true;
    if ((d.weight ?? 0) > 0) {
      const sub = subset ? ` subset "${subset}"` : "";
      facts.push(`Route to host "${host}"${sub} with weight ${d.weight}%`);
    }
  }
  if (match) {
    const requestFacts: string[] = [];
    if (route.fault) requestFacts.push(`Fault injection ${renderFault(route.fault)}`);
    for (const m of route.match ?? []) requestFacts.push(renderMatch(m));
    if (requestFacts.length > 0) facts.push(requestFacts.join(", "));
    return [true, facts];
  }
  return [false, [...facts, ...mismatch]];
}

function tcpRouteFacts(route: TCPRoute, targets: (host: string) => boolean): [boolean, string[]] {
  if (!(route.route ?? []).some((d) => targets(d.destination.host))) return [false, []];
  return [true, (route.match ?? []).map((m) => `Match: ${JSON.stringify(m)}`)];
}

function renderStringMatch(sm: StringMatch): string {
  if (sm.exact !== undefined) return sm.exact;
  if (sm.prefix !== undefined) return `${sm.prefix}*`;
  return `regex:${sm.regex}`;
}

function renderMatches(matches: readonly HTTPMatchRequest[] | undefined): string {
  if (!matches?.length) return "everything";
  return matches.map(renderMatch).join(", ");
}

function renderMatch(m: HTTPMatchRequest): string {
  const parts: string[] = [];
  if (m.uri) parts.push(renderStringMatch(m.uri) + (m.ignoreUriCase ? " uncased" : ""));
  const headers = Object.entries(m.headers ?? {});
  if (headers.length > 0)
    parts.push(
      `when headers are ${headers.map(([k, v]) => `${k}=${renderStringMatch(v)}`).join("; ")}`,
    );
  return `Match: ${parts.join(" ")}`.trim();
}

function renderFault(f: NonNullable<HTTPRoute["fault"]>): string {
  const parts: string[] = [];
  const pct = (p?: { value?: number }) => (p?.value !== undefined ? ` (${p.value}%)` : "");
  if (f.delay)
    parts.push(`delay ${f.delay.fixedDelay ?? f.delay.exponentialDelay}${pct(f.delay.percentage)}`);
  if (f.abort) {
    const status = f.abort.httpStatus ?? f.abort.grpcStatus ?? f.abort.http2Error;
    parts.push(`abort ${status}${pct(f.abort.percentage)}`);
  }
  return parts.join(", ");
}

/** istioctl's printIngressInfo: gateways that route to the pod's services and select a gateway pod. */
function printIngress(
  out: string[],
  input: DescribePodInput,
  services: readonly Service[],
  labels: Readonly<Record<string, string>>,
  kname: (m: Resource["metadata"]) => string,
): void {
  const { push } = input;
  const gatewayPods = push.registry.workloads.filter((w) => w.labels.istio === "ingressgateway");
  if (gatewayPods.length === 0) {
    out.push("Skipping Gateway information (no ingress gateway pods)");
    return;
  }
  const ingresses = push.registry.services.flatMap((s) => {
    const pods = gatewayPods.filter(
      (p) => p.namespace === s.namespace && s.selector && selectorMatches(s.selector, p.labels),
    );
    return pods.length > 0 ? [{ service: s, pods }] : [];
  });
  if (ingresses.length === 0) out.push("Skipping Gateway information (no ingress gateway service)");
  const shown = new Set<string>();
  for (const svc of services) {
    for (const gw of push.gateways) {
      const selected = ingresses.filter(
        (i) => !gw.selector || i.pods.some((p) => selectorMatches(gw.selector!, p.labels)),
      );
      if (selected.length === 0) continue;
      const proxy = {
        namespace: selected[0]!.pods[0]!.namespace,
        labels: selected[0]!.pods[0]!.labels,
      };
      const vsc = push
        .virtualServicesFor(proxy, gw.qualified)
        .find(
          (v) =>
            v.gateways.includes(gw.qualified) &&
            v.gateways.some((g) => g !== MESH_GATEWAY) &&
            (v.spec.http ?? []).some((r) =>
              r.route?.some((d) => d.destination.host === svc.hostname),
            ),
        );
      if (!vsc || shown.has(`${vsc.namespace}/${vsc.name}/${svc.hostname}`)) continue;
      shown.add(`${vsc.namespace}/${vsc.name}/${svc.hostname}`);
      const vs = asWritten(input, KIND.VirtualService, vsc);
      if (!vs) continue;
      out.push(SEPARATOR);
      for (const i of selected) {
        for (const port of i.service.ports) {
          if (port.name !== "http" && port.name !== "http2") continue;
          // The local mesh has no load balancer: the gateway pod's own address and port answer.
          const p = targetPort(port, i.pods[0]);
          out.push(
            `Exposed on Ingress Gateway http://${i.pods[0]!.address}${p === 80 ? "" : `:${p}`}`,
          );
        }
      }
      const { dr, subsets } = destinationRuleFor(input, proxy, svc, labels);
      printVirtualService(out, 0, vs, svc, subsets, dr, kname);
    }
  }
}
