// Istio's protocol selection for Kubernetes Service ports: UDP/SCTP by protocol, then
// appProtocol, then the port name's prefix (`http-foo` → HTTP).

const PROTOCOLS: Record<string, string> = {
  tcp: "TCP",
  udp: "UDP",
  grpc: "GRPC",
  "grpc-web": "GRPC-Web",
  http: "HTTP",
  http_proxy: "HTTP_PROXY",
  http2: "HTTP2",
  https: "HTTPS",
  tls: "TLS",
  mongo: "Mongo",
  redis: "Redis",
  mysql: "MySQL",
};

const APP_PROTOCOLS: Record<string, string> = {
  "kubernetes.io/h2c": "HTTP2",
  "kubernetes.io/ws": "HTTP",
  "kubernetes.io/wss": "HTTPS",
};

export const UNSUPPORTED = "UnsupportedProtocol";

export function parseProtocol(s: string): string {
  return PROTOCOLS[s.toLowerCase()] ?? UNSUPPORTED;
}

export function convertProtocol(portName: string, protocol: string, appProtocol?: string): string {
  if (protocol === "UDP") return "UDP";
  if (protocol === "SCTP") return "SCTP";
  if (appProtocol) {
    const p = APP_PROTOCOLS[appProtocol] ?? parseProtocol(appProtocol);
    if (p !== UNSUPPORTED) return p;
  }
  const name = portName.toLowerCase();
  if (name.startsWith("grpc-web")) return "GRPC-Web";
  const dash = name.indexOf("-");
  return parseProtocol(dash < 0 ? name : name.slice(0, dash));
}
