// Equivalent configurations for every system under test: one listener per protocol (HTTP/1.1,
// HTTP/2, gRPC, TCP) forwarding to one upstream, keep-alive and connection reuse on, no logging.

/** One port per protocol, on 127.0.0.1. */
export interface Ports {
  readonly http1: number;
  readonly h2: number;
  readonly grpc: number;
  readonly tcp: number;
}

/** Host name of synthetic service i, as a mesh would name it. */
export const serviceHost = (i: number) => `svc-${i}.default.svc.cluster.local`;
/** Endpoints per synthetic service (all on the backend; the config size is what matters). */
const ENDPOINTS = 10;

/** haproxy map file: service host -> backend name. */
export function haproxyServiceMap(services: number): string {
  return Array.from({ length: services }, (_, i) => `${serviceHost(i)} svc_${i}\n`).join("");
}

/** 1 KiB response body, as in Istio's published method. */
export const BODY_1K = "x".repeat(1024);

/**
 * nginx as the backend: 1 KiB answers over HTTP/1.1 and cleartext HTTP/2, and over HTTP/1.1 on
 * `second` too (backend B of the config-churn scenario).
 */
export function backendNginxConf(dir: string, ports: Ports, second: number): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/backend-nginx.pid;
error_log ${dir}/backend-nginx.error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path ${dir}/backend-body;
  proxy_temp_path ${dir}/backend-proxy;
  fastcgi_temp_path ${dir}/backend-fcgi;
  uwsgi_temp_path ${dir}/backend-uwsgi;
  scgi_temp_path ${dir}/backend-scgi;
  server {
    listen 127.0.0.1:${ports.http1} reuseport;
    listen 127.0.0.1:${second};
    listen 127.0.0.1:${ports.h2} http2;
    default_type text/plain;
    location / { return 200 "${BODY_1K}"; }
  }
}
`;
}

/**
 * haproxy as a proxy; with `services`, the HTTP/1.1 frontend also routes `services` host names
 * (through `mapFile`) to as many backends of 10 servers each.
 */
export function haproxyCfg(listen: Ports, upstream: Ports, services = 0, mapFile = ""): string {
  const route = services
    ? `  use_backend %[req.hdr(host),lower,word(1,:),map_str(${mapFile},be_http1)]\n`
    : "";
  const backends = Array.from({ length: services }, (_, i) => {
    const servers = Array.from(
      { length: ENDPOINTS },
      (_, e) => `  server s${e} 127.0.0.1:${upstream.http1}\n`,
    );
    return `backend svc_${i}\n${servers.join("")}`;
  }).join("");
  return `global
  nbthread 1
  maxconn 5000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend fe_http1
  bind 127.0.0.1:${listen.http1}
${route}  default_backend be_http1
backend be_http1
  server s1 127.0.0.1:${upstream.http1}
frontend fe_h2
  bind 127.0.0.1:${listen.h2} proto h2
  default_backend be_h2
backend be_h2
  server s1 127.0.0.1:${upstream.h2} proto h2
frontend fe_grpc
  bind 127.0.0.1:${listen.grpc} proto h2
  default_backend be_grpc
backend be_grpc
  server s1 127.0.0.1:${upstream.grpc} proto h2
frontend fe_tcp
  mode tcp
  bind 127.0.0.1:${listen.tcp}
  default_backend be_tcp
backend be_tcp
  mode tcp
  server s1 127.0.0.1:${upstream.tcp}
${backends}`;
}

/**
 * nginx as a proxy. It cannot speak plain HTTP/2 upstream (only gRPC via grpc_pass), so its
 * HTTP/2 listener forwards over HTTP/1.1 keep-alive to the HTTP/1.1 upstream.
 */
export function nginxProxyConf(
  dir: string,
  name: string,
  listen: Ports,
  upstream: Ports,
  services = 0,
): string {
  const hosts = Array.from(
    { length: services },
    (_, i) => `    ${serviceHost(i)} svc_${i};\n`,
  ).join("");
  const ups = Array.from({ length: services }, (_, i) => {
    const servers = `server 127.0.0.1:${upstream.http1}; `.repeat(ENDPOINTS);
    return `  upstream svc_${i} { ${servers}keepalive 16; }\n`;
  }).join("");
  const svcMap = services ? `  map $host $svc {\n    default be_http1;\n${hosts}  }\n${ups}` : "";
  const http1Pass = services ? "http://$svc" : "http://be_http1";
  const proxy = 'proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering on;';
  return `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
daemon off;
pid ${dir}/${name}.pid;
error_log ${dir}/${name}.error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path ${dir}/${name}-body;
  proxy_temp_path ${dir}/${name}-proxy;
  fastcgi_temp_path ${dir}/${name}-fcgi;
  uwsgi_temp_path ${dir}/${name}-uwsgi;
  scgi_temp_path ${dir}/${name}-scgi;
  upstream be_http1 { server 127.0.0.1:${upstream.http1}; keepalive 256; keepalive_requests 100000000; }
  upstream be_grpc { server 127.0.0.1:${upstream.grpc}; keepalive 256; keepalive_requests 100000000; }
${svcMap}  server { listen 127.0.0.1:${listen.http1}; location / { proxy_pass ${http1Pass}; ${proxy} } }
  server { listen 127.0.0.1:${listen.h2} http2; location / { proxy_pass http://be_http1; ${proxy} } }
  server { listen 127.0.0.1:${listen.grpc} http2; location / { grpc_pass grpc://be_grpc; } }
}
stream {
  server { listen 127.0.0.1:${listen.tcp}; proxy_pass 127.0.0.1:${upstream.tcp}; }
}
`;
}

/**
 * Mast (and Envoy) static bootstrap with the same four listeners. The codec is explicit, as
 * haproxy's `proto h2` and nginx's `http2` are.
 */
export function mastBootstrap(
  listen: Ports,
  upstream: Ports,
  adminPort: number,
  services = 0,
): string {
  const router = `          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router`;
  const svcName = (i: number) => `"outbound|80||${serviceHost(i)}"`;
  const vhosts = Array.from(
    { length: services },
    (_, i) => `            - name: ${svcName(i)}
              domains: ["${serviceHost(i)}", "${serviceHost(i)}:80"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: ${svcName(i)}, timeout: 0s }
`,
  ).join("");
  const hcm = (
    name: string,
    port: number,
    codec: "HTTP1" | "HTTP2",
    extra = "",
  ) => `  - name: ${name}
    address: { socket_address: { address: 127.0.0.1, port_value: ${port} } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ${name}
          codec_type: ${codec}
          route_config:
            name: ${name}
            virtual_hosts:
${extra}            - name: ${name}
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: ${name}, timeout: 0s }
${router}
`;
  const h2opts = `    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
`;
  const cluster = (name: string, port: number, h2: boolean, endpoints = 1) => `  - name: ${name}
    type: STATIC
    connect_timeout: 5s
${h2 ? h2opts : ""}    load_assignment:
      cluster_name: ${name}
      endpoints:
      - lb_endpoints:
${`        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${port} } } }\n`.repeat(endpoints)}`;
  const svcClusters = Array.from({ length: services }, (_, i) =>
    cluster(svcName(i), upstream.http1, false, ENDPOINTS),
  ).join("");
  return `admin:
  address: { socket_address: { address: 127.0.0.1, port_value: ${adminPort} } }
static_resources:
  listeners:
${hcm("http1", listen.http1, "HTTP1", vhosts)}${hcm("h2", listen.h2, "HTTP2")}${hcm("grpc", listen.grpc, "HTTP2")}  - name: tcp
    address: { socket_address: { address: 127.0.0.1, port_value: ${listen.tcp} } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: tcp
          cluster: tcp
  clusters:
${cluster("http1", upstream.http1, false)}${cluster("h2", upstream.h2, true)}${cluster("grpc", upstream.grpc, true)}${cluster("tcp", upstream.tcp, false)}${svcClusters}`;
}
