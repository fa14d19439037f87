// Port protocol selection as Istio does it (pkg/config/kube/conversion.go,
// pkg/config/protocol/instance.go): appProtocol, then the port-name prefix, else auto-detection.

import type { Protocol } from "./types.ts";

const BY_NAME: Readonly<Record<string, Protocol>> = {
  http: "HTTP",
  http2: "HTTP2",
  http_proxy: "HTTP_PROXY",
  grpc: "GRPC",
  "grpc-web": "GRPC-Web",
  https: "HTTPS",
  tls: "TLS",
  tcp: "TCP",
  udp: "UDP",
  mongo: "Mongo",
  redis: "Redis",
  mysql: "MySQL",
};

const APP_PROTOCOLS: Readonly<Record<string, Protocol>> = {
  "kubernetes.io/h2c": "HTTP2",
  "kubernetes.io/ws": "HTTP",
  "kubernetes.io/wss": "HTTPS",
};

/** Ports that default to TCP instead of sniffing: SMTP, DNS, MySQL, MongoDB. */
const SERVER_FIRST_PORTS = new Set([25, 53, 3306, 27017]);

/** Istio's protocol.Parse: a case-insensitive protocol name, or UNSUPPORTED. */
export function parseProtocol(s: string | undefined): Protocol {
  if (!s) return "UNSUPPORTED";
  return BY_NAME[s.toLowerCase()] ?? "UNSUPPORTED";
}

/** The protocol of a Kubernetes Service port. */
export function kubePortProtocol(port: {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}): Protocol {
  if (port.protocol?.toUpperCase() === "UDP") return "UDP";
  if (port.appProtocol) {
    const known = APP_PROTOCOLS[port.appProtocol.toLowerCase()];
    if (known) return known;
    const p = parseProtocol(port.appProtocol);
    if (p !== "UNSUPPORTED") return p;
  }
  const name = (port.name ?? "").toLowerCase();
  const fromName =
    name === "grpc-web" || name.startsWith("grpc-web-")
      ? "GRPC-Web"
      : parseProtocol(name.split("-")[0]);
  if (fromName !== "UNSUPPORTED") return fromName;
  return SERVER_FIRST_PORTS.has(port.port) ? "TCP" : "UNSUPPORTED";
}

export function isHttp(p: Protocol): boolean {
  return p === "HTTP" || p === "HTTP2" || p === "HTTP_PROXY" || p === "GRPC" || p === "GRPC-Web";
}

/** HTTP/2 upstream: gRPC and HTTP2 ports. */
export function isHttp2(p: Protocol): boolean {
  return p === "HTTP2" || p === "GRPC";
}
