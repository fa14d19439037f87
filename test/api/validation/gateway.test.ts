// Validation cases for Gateway and Sidecar.

import { runCases } from "./harness.ts";

runCases("networking.istio.io/v1", "Gateway", [
  {
    name: "valid HTTP, HTTPS, passthrough and mTLS servers",
    yaml: `  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
    tls: {httpsRedirect: true}
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["bookinfo/*.example.com"]
    tls: {mode: SIMPLE, credentialName: bookinfo-cert}
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: ["./db.example.com"]
    tls: {mode: PASSTHROUGH}
  - port: {number: 15443, name: mtls, protocol: TLS}
    hosts: ["*.local"]
    tls: {mode: AUTO_PASSTHROUGH}
  - port: {number: 8443, name: mutual, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem, caCertificates: /ca.pem}
`,
    warnings: [],
  },
  {
    name: "gateway name must be a DNS label, servers required",
    metadata: "{name: my.gateway, namespace: default}",
    yaml: "  servers: []\n",
    errors: [
      'metadata.name: invalid gateway name: "my.gateway"',
      "spec.servers: gateway must have at least one server",
    ],
  },
  {
    name: "server hosts (an IP is allowed on gateways)",
    yaml: `  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["/foo.com", "Bad_NS/foo.com", "~/foo.com", "ns/bad..host", "ns/reviews", "ns/*foo.com", "10.0.0.1"]
`,
    errors: [
      "spec.servers[0].hosts[0]: config namespace and dnsName in host entry cannot be empty",
      'spec.servers[0].hosts[0]: invalid namespace value "" in gateway',
      'spec.servers[0].hosts[1]: invalid namespace value "Bad_NS" in gateway',
      'spec.servers[0].hosts[2]: invalid namespace value "~" in gateway',
      'spec.servers[0].hosts[3]: domain name ".host" invalid (label "" invalid)',
      "spec.servers[0].hosts[4]: short names (non FQDN) are not allowed",
      'spec.servers[0].hosts[5]: partial wildcard "*foo.com" not allowed',
    ],
  },
  {
    name: "ports: protocol, number, name, targetPort; unique names",
    yaml: `  servers:
  - port: {number: 80, name: web, protocol: SPDY}
    hosts: ["*"]
  - port: {number: 70000, name: web, protocol: HTTP, targetPort: 8080}
    hosts: ["*"]
`,
    errors: [
      'spec.servers[0].port.protocol: invalid protocol "SPDY", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP',
      "spec.servers[1].port.number: port number 70000 must be in the range 1..65535",
      "spec.servers[1].port.targetPort: targetPort has no impact on Gateways",
      "spec.servers[1].port.name: port names in servers must be unique: duplicate name web",
    ],
  },
  {
    name: "TLS required for HTTPS, forbidden for TCP",
    yaml: `  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
  - port: {number: 3306, name: mysql, protocol: TCP}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: x}
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: x}
`,
    errors: [
      "spec.servers[0].tls: server must have TLS settings for HTTPS/TLS protocols",
      "spec.servers[1].tls: server cannot have TLS settings for non HTTPS/TLS ports",
      "spec.servers[2].tls: server cannot have TLS settings for plain text HTTP ports",
    ],
  },
  {
    name: "TLS modes and their certificate fields",
    yaml: `  servers:
  - port: {number: 443, name: a, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE}
  - port: {number: 444, name: b, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem}
  - port: {number: 445, name: c, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: ISTIO_MUTUAL, credentialName: x}
`,
    errors: [
      "spec.servers[0].tls.serverCertificate: SIMPLE TLS requires a server certificate",
      "spec.servers[0].tls.privateKey: SIMPLE TLS requires a private key",
      "spec.servers[1].tls.caCertificates: MUTUAL TLS requires a client CA bundle",
      "spec.servers[2].tls.credentialName: ISTIO_MUTUAL TLS cannot have associated credentialName",
    ],
  },
  {
    name: "warnings: passthrough with certificates, old TLS, bad ciphers, redirect on TLS, protocol clash",
    yaml: `  servers:
  - port: {number: 443, name: a, protocol: TLS}
    hosts: ["*"]
    tls: {mode: PASSTHROUGH, credentialName: x, httpsRedirect: true}
  - port: {number: 8443, name: b, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: x, minProtocolVersion: TLSV1_1, cipherSuites: [NOPE, AES128-SHA, AES128-SHA]}
  - port: {number: 8443, name: c, protocol: TCP}
    hosts: ["*"]
`,
    errors: [],
    warnings: [
      "spec.servers[0].tls: PASSTHROUGH mode does not use certificates, they will be ignored",
      "spec.servers[0].tls.httpsRedirect: tls.httpsRedirect should only be used with http servers",
      "spec.servers[1].tls.cipherSuites: ignoring invalid cipher suites: [NOPE]",
      "spec.servers[1].tls.cipherSuites: ignoring duplicate cipher suites: [AES128-SHA]",
      "spec.servers[2].port.protocol: port 8443 is used by servers with conflicting protocols (TLS and TCP)",
    ],
  },
  {
    name: "bind addresses and unix sockets",
    yaml: `  servers:
  - port: {number: 80, name: a, protocol: HTTP}
    bind: not-an-ip
    hosts: ["*"]
  - port: {number: 81, name: b, protocol: HTTP}
    bind: unix://relative
    hosts: ["*"]
`,
    errors: [
      "spec.servers[0].bind: not-an-ip is not a valid IP",
      "spec.servers[1].bind: relative is not an absolute path to a file",
      "spec.servers[1].port.number: port number must be 0 for unix domain socket",
    ],
  },
]);

runCases("networking.istio.io/v1", "Sidecar", [
  {
    name: "valid ingress and egress",
    yaml: `  workloadSelector: {labels: {app: ratings}}
  ingress:
  - port: {number: 9080, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:8080
  - port: {number: 9443, protocol: HTTPS, name: https}
    defaultEndpoint: unix:///var/run/app.sock
    tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}
  egress:
  - port: {number: 3306, protocol: MYSQL, name: mysql}
    hosts: ["*/mysql.foo.com"]
  - hosts: ["./*", "istio-system/*", "~/*.internal"]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`,
    warnings: [],
  },
  {
    name: "empty configuration",
    yaml: "  workloadSelector: {labels: {app: a}}\n",
    errors: ["spec: sidecar: empty configuration provided"],
  },
  {
    name: "selector without labels is a warning",
    yaml: `  workloadSelector: {}
  egress: [{hosts: ["./*"]}]
`,
    warnings: [
      "spec.workloadSelector: sidecar: workload selector specified without labels, will be applied to all services in namespace",
    ],
  },
  {
    name: "egress hosts need ns/host; catch-all listener last and once",
    yaml: `  egress:
  - hosts: [foo.com]
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: ["Bad_NS/foo.com"]
  - hosts: ["*/*", "./a.com"]
`,
    errors: [
      "spec.egress[0]: sidecar: the egress listener with empty port should be the last listener in the list",
      "spec.egress[0].hosts[0]: host must be of form namespace/dnsName",
      'spec.egress[1].hosts[0]: invalid namespace value "Bad_NS" in sidecar',
    ],
    warnings: [
      "spec.egress[2].hosts: `*/*` host select all resources, no other hosts can be added",
    ],
  },
  {
    name: "ingress: ports unique, default endpoint, TLS restrictions",
    yaml: `  ingress:
  - port: {number: 80, protocol: HTTP, name: http}
    defaultEndpoint: 10.0.0.1:8080
  - port: {number: 80, protocol: FOO, name: http2}
    defaultEndpoint: "127.0.0.1:abc"
    tls: {mode: ISTIO_MUTUAL, credentialName: x, httpsRedirect: true}
`,
    errors: [
      "spec.ingress[0].defaultEndpoint: sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset",
      "spec.ingress[1].port.protocol: unsupported protocol: FOO",
      "spec.ingress[1].port.number: sidecar: ports on IP bound listeners must be unique",
      "spec.ingress[1].defaultEndpoint: sidecar: defaultEndpoint port (abc) is not a number",
      "spec.ingress[1].tls: sidecar: httpsRedirect is not supported",
      "spec.ingress[1].tls: sidecar: credentialName is not currently supported",
      "spec.ingress[1].tls: configuration is invalid: cannot set mode to ISTIO_MUTUAL in sidecar ingress tls",
      "spec.ingress[1].tls.credentialName: ISTIO_MUTUAL TLS cannot have associated credentialName",
    ],
  },
  {
    name: "unix socket egress listener",
    yaml: `  egress:
  - port: {number: 0, protocol: HTTP, name: uds}
    bind: 127.0.0.1
    captureMode: IPTABLES
    hosts: ["./*"]
`,
    errors: [
      "spec.egress[0].bind: sidecar: ports with 0 value must have a unix domain socket bind address",
      "spec.egress[0].captureMode: sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners",
    ],
  },
  {
    name: "egress proxy needs ALLOW_ANY",
    yaml: `  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
    egressProxy: {host: proxy.example.com, port: {number: 3128}}
`,
    errors: [
      "spec.outboundTrafficPolicy.egressProxy: sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode",
    ],
  },
]);
