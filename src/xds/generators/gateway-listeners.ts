// Gateway listeners: one `0.0.0.0_<port>` per server port of the gateways selecting the proxy.
// HTTP servers → HCM over RDS `http.<port>`; terminated TLS (SIMPLE, MUTUAL, OPTIONAL_MUTUAL,
// ISTIO_MUTUAL) → an SNI filter chain per server; PASSTHROUGH → SNI chains from VirtualService
// tls routes; AUTO_PASSTHROUGH → sni_cluster; TCP → tcp routes.

import type { Server, ServerTLSSettings } from "../../api/types/index.ts";
import { TYPE_URL } from "../../envoy/index.ts";
import { type GatewayConfig, serverAdmits, serverHostNames } from "../../model/gateways.ts";
import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { sdsSecret } from "./cluster-policy.ts";
import { BLACKHOLE_CLUSTER, type Json, socketAddress, sortBy, typed } from "./common.ts";
import { hcmFilter, TLS_INSPECTOR, tcpProxyFilter } from "./filters.ts";
import { destinationCluster } from "./route.ts";
import { workloadSecurity } from "./security.ts";

const HTTP_PROTOCOLS = new Set(["HTTP", "HTTP2", "GRPC", "GRPC-WEB"]);

export function buildGatewayListeners(proxy: MeshProxy, push: PushContext): Json[] {
  const byPort = new Map<number, { gw: GatewayConfig; server: Server }[]>();
  for (const gw of push.gatewaysFor(proxy)) {
    for (const server of gw.servers) {
      byPort.set(server.port.number, [...(byPort.get(server.port.number) ?? []), { gw, server }]);
    }
  }
  const sec = workloadSecurity(proxy, push);
  const out: Json[] = [];
  for (const [port, servers] of byPort) {
    const chains: Json[] = [];
    let needsTlsInspector = false;
    let httpDone = false;
    for (const { gw, server } of servers) {
      const proto = server.port.protocol.toUpperCase();
      const mode =
        server.tls?.mode ?? (proto === "HTTPS" || proto === "TLS" ? "PASSTHROUGH" : undefined);
      if (
        HTTP_PROTOCOLS.has(proto) ||
        (mode === undefined && proto !== "TCP" && proto !== "MONGO")
      ) {
        if (httpDone) continue;
        httpDone = true;
        chains.push({
          name: `http.${port}`,
          filters: [
            hcmFilter({
              statPrefix: `outbound_0.0.0.0_${port}`,
              rds: `http.${port}`,
              gateway: true,
              security: sec.http,
              pathNormalization: sec.pathNormalization,
            }),
          ],
        });
        continue;
      }
      if (mode === "PASSTHROUGH") {
        needsTlsInspector = true;
        chains.push(...withNetworkRbac(passthroughChains(proxy, push, gw, server), sec.tcp));
        continue;
      }
      if (mode === "AUTO_PASSTHROUGH") {
        needsTlsInspector = true;
        chains.push({
          name: `auto-passthrough.${port}`,
          filter_chain_match: serverNames(server),
          filters: [
            {
              name: "envoy.filters.network.sni_cluster",
              typed_config: typed(TYPE_URL.SNI_CLUSTER),
            },
            tcpProxyFilter(BLACKHOLE_CLUSTER, BLACKHOLE_CLUSTER),
          ],
        });
        continue;
      }
      if (mode !== undefined) {
        needsTlsInspector = true;
        const rds = `https.${port}.${server.port.name}.${gw.name}.${gw.namespace}`;
        chains.push({
          name: rds,
          filter_chain_match: serverNames(server),
          filters: [
            hcmFilter({
              statPrefix: `outbound_0.0.0.0_${port}`,
              rds,
              gateway: true,
              security: sec.http,
              pathNormalization: sec.pathNormalization,
            }),
          ],
          transport_socket: serverTls(server.tls!),
        });
        continue;
      }
      chains.push(...withNetworkRbac(tcpChains(proxy, push, gw, server), sec.tcp));
    }
    const listener: Json = {
      name: `0.0.0.0_${port}`,
      address: socketAddress("0.0.0.0", port),
      traffic_direction: "OUTBOUND",
      filter_chains: chains,
    };
    if (needsTlsInspector) listener.listener_filters = [TLS_INSPECTOR];
    out.push(listener);
  }
  return sortBy(out, (l) => String(l.name));
}

function serverNames(server: Server): Json {
  const names = serverHostNames(server).filter((h) => h !== "*");
  return names.length ? { server_names: names } : {};
}

/** Downstream TLS for a terminating server: Kubernetes secrets via SDS, or certificate files. */
export function serverTls(tls: ServerTLSSettings): Json {
  const common: Json = {};
  let requireClient = false;
  if (tls.mode === "ISTIO_MUTUAL") {
    common.tls_certificate_sds_secret_configs = [sdsSecret("default")];
    common.combined_validation_context = {
      default_validation_context: {},
      validation_context_sds_secret_config: sdsSecret("ROOTCA"),
    };
    requireClient = true;
  } else {
    const mutual = tls.mode === "MUTUAL" || tls.mode === "OPTIONAL_MUTUAL";
    const creds = tls.credentialNames ?? (tls.credentialName ? [tls.credentialName] : []);
    if (creds.length) {
      common.tls_certificate_sds_secret_configs = creds.map((c) => sdsSecret(`kubernetes://${c}`));
      if (mutual) {
        const ca = tls.caCertCredentialName ?? `${creds[0]}-cacert`;
        common.combined_validation_context = {
          default_validation_context: sanMatch(tls.subjectAltNames),
          validation_context_sds_secret_config: sdsSecret(`kubernetes://${ca}`),
        };
      }
    } else {
      const certs = tls.tlsCertificates?.length
        ? tls.tlsCertificates
        : [{ serverCertificate: tls.serverCertificate, privateKey: tls.privateKey }];
      common.tls_certificates = certs
        .filter((c) => c.serverCertificate && c.privateKey)
        .map((c) => ({
          certificate_chain: { filename: c.serverCertificate! },
          private_key: { filename: c.privateKey! },
        }));
      if (mutual && tls.caCertificates) {
        common.validation_context = {
          ...sanMatch(tls.subjectAltNames),
          trusted_ca: { filename: tls.caCertificates },
        };
      }
    }
    requireClient = tls.mode === "MUTUAL";
  }
  const params: Json = {};
  if (tls.minProtocolVersion && tls.minProtocolVersion !== "TLS_AUTO")
    params.tls_minimum_protocol_version = tls.minProtocolVersion.replace("TLSV", "TLSv");
  if (tls.maxProtocolVersion && tls.maxProtocolVersion !== "TLS_AUTO")
    params.tls_maximum_protocol_version = tls.maxProtocolVersion.replace("TLSV", "TLSv");
  if (tls.cipherSuites?.length) params.cipher_suites = tls.cipherSuites;
  if (Object.keys(params).length) common.tls_params = params;
  common.alpn_protocols = ["h2", "http/1.1"];
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: typed(TYPE_URL.DOWNSTREAM_TLS_CONTEXT, {
      common_tls_context: common,
      require_client_certificate: requireClient,
    }),
  };
}

function sanMatch(sans: readonly string[] | undefined): Json {
  if (!sans?.length) return {};
  return {
    match_typed_subject_alt_names: sans.map((s) => ({ san_type: "DNS", matcher: { exact: s } })),
  };
}

/** TCP and passthrough servers are authorized at L4, before tcp_proxy. */
function withNetworkRbac(chains: Json[], rbac: readonly Json[]): Json[] {
  return chains.map((c) => ({ ...c, filters: [...rbac, ...(c.filters as Json[])] }));
}

function passthroughChains(
  proxy: MeshProxy,
  push: PushContext,
  gw: GatewayConfig,
  server: Server,
): Json[] {
  const port = server.port.number;
  const ctx = { proxy, push, port, gateway: gw.qualified };
  const chains: Json[] = [];
  for (const vs of push.virtualServicesFor(proxy, gw.qualified)) {
    if (serverAdmits(server, gw.namespace, vs.namespace, vs.hosts).length === 0) continue;
    for (const r of vs.spec.tls ?? []) {
      for (const m of r.match ?? []) {
        if (m.port !== undefined && m.port !== port) continue;
        if (m.gateways?.length && !m.gateways.includes(gw.qualified)) continue;
        const dests = r.route ?? [];
        const cluster =
          dests.length === 1
            ? destinationCluster(dests[0].destination, ctx)
            : dests.map((d) => ({
                name: destinationCluster(d.destination, ctx),
                weight: d.weight ?? 0,
              }));
        chains.push({
          filter_chain_match: { server_names: m.sniHosts },
          filters: [
            tcpProxyFilter(
              typeof cluster === "string" ? cluster : `${vs.namespace}/${vs.name}`,
              cluster,
            ),
          ],
        });
      }
    }
  }
  return chains;
}

function tcpChains(proxy: MeshProxy, push: PushContext, gw: GatewayConfig, server: Server): Json[] {
  const port = server.port.number;
  const ctx = { proxy, push, port, gateway: gw.qualified };
  for (const vs of push.virtualServicesFor(proxy, gw.qualified)) {
    if (serverAdmits(server, gw.namespace, vs.namespace, vs.hosts).length === 0) continue;
    for (const r of vs.spec.tcp ?? []) {
      if (
        r.match?.length &&
        !r.match.some(
          (m) =>
            (m.port === undefined || m.port === port) &&
            (!m.gateways?.length || m.gateways.includes(gw.qualified)),
        )
      )
        continue;
      const dests = r.route ?? [];
      const cluster =
        dests.length === 1
          ? destinationCluster(dests[0].destination, ctx)
          : dests.map((d) => ({
              name: destinationCluster(d.destination, ctx),
              weight: d.weight ?? 0,
            }));
      return [
        {
          filters: [
            tcpProxyFilter(
              typeof cluster === "string" ? cluster : `${vs.namespace}/${vs.name}`,
              cluster,
            ),
          ],
        },
      ];
    }
  }
  return [{ filters: [tcpProxyFilter(BLACKHOLE_CLUSTER, BLACKHOLE_CLUSTER)] }];
}
