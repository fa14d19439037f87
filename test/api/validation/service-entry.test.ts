// Validation cases for ServiceEntry, WorkloadEntry and WorkloadGroup.

import { runCases } from "./harness.ts";

runCases("networking.istio.io/v1", "ServiceEntry", [
  {
    name: "valid DNS service entry with endpoints",
    yaml: `  hosts: [api.example.com]
  ports:
  - {number: 443, name: https, protocol: TLS}
  resolution: DNS
  location: MESH_EXTERNAL
  endpoints:
  - address: us.api.example.com
    ports: {https: 8443}
  - address: 1.2.3.4
`,
    warnings: [],
  },
  {
    name: "hosts: * forbidden, partial wildcard warned",
    yaml: `  hosts: ["*", "*foo.com"]
  ports: [{number: 80, name: http, protocol: HTTP}]
`,
    errors: ["spec.hosts[0]: invalid host *"],
    warnings: ['spec.hosts[1]: partial wildcard "*foo.com" not allowed'],
  },
  {
    name: "CIDR addresses only for NONE/STATIC",
    yaml: `  hosts: [db.internal]
  addresses: [10.0.0.0/16, 10.1.2.3/99]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  resolution: DNS
`,
    errors: [
      "spec.addresses[1]: 10.1.2.3/99 is not a valid CIDR block",
      "spec.addresses: CIDR addresses are allowed only for NONE/STATIC resolution types",
    ],
  },
  {
    name: "ports: unique names and numbers, valid protocol and name",
    yaml: `  hosts: [a.example.com]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  - {number: 80, name: http, protocol: HTTP}
  - {number: 81, name: Bad_Name, protocol: SMTP}
`,
    errors: [
      'spec.ports[1].name: service entry port name "http" already defined',
      "spec.ports[1].number: service entry port 80 already defined",
      "spec.ports[2].name: invalid port name: Bad_Name",
      "spec.ports[2].protocol: unsupported protocol: SMTP",
    ],
  },
  {
    name: "NONE resolution cannot have endpoints",
    yaml: `  hosts: [a.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: NONE
  endpoints: [{address: 1.1.1.1}]
`,
    errors: ["spec.endpoints: no endpoints should be provided for resolution type none"],
  },
  {
    name: "STATIC endpoints must be IPs with declared ports",
    yaml: `  hosts: [a.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints:
  - address: a.example.com
    ports: {grpc: 9090}
`,
    errors: [
      'spec.endpoints[0].address: endpoint address "a.example.com" is not a valid IP address',
      "spec.endpoints[0].ports[grpc]: endpoint port 9090 is not defined by the service entry",
    ],
  },
  {
    name: "DNS without endpoints needs FQDN hosts; DNS_ROUND_ROBIN at most one endpoint",
    yaml: `  hosts: ["*.example.com"]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS_ROUND_ROBIN
`,
    errors: [
      "spec.hosts[0]: hosts must be FQDN if no endpoints are provided for resolution mode DNS_ROUND_ROBIN",
    ],
  },
  {
    name: "DNS_ROUND_ROBIN with two endpoints",
    yaml: `  hosts: [a.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS_ROUND_ROBIN
  endpoints: [{address: a1.example.com}, {address: a2.example.com}]
`,
    errors: [
      "spec.endpoints: there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN",
    ],
  },
  {
    name: "selector and endpoints are exclusive",
    yaml: `  hosts: [a.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  workloadSelector: {labels: {app: vm}}
  endpoints: [{address: 1.1.1.1}]
`,
    errors: ["spec: only one of WorkloadSelector or Endpoints is allowed in Service Entry"],
  },
  {
    name: "multiple hosts with plain TCP ports",
    yaml: `  hosts: [a.example.com, b.example.com]
  addresses: [240.0.0.1]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  resolution: DNS
`,
    errors: ["spec.ports: multiple hosts provided with non-HTTP, non-TLS ports"],
    warnings: [
      "spec.hosts: service entry can not have more than one host specified simultaneously with address and tcp port",
    ],
  },
  {
    name: "TCP port without addresses when auto-allocation is off",
    metadata:
      '{name: t, namespace: default, labels: {"networking.istio.io/enable-autoallocate-ip": "false"}}',
    yaml: `  hosts: [db.example.com]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  resolution: DNS
`,
    warnings: [
      "spec.ports[0]: addresses are required for ports serving TCP (or unset) protocol when ISTIO_META_DNS_AUTO_ALLOCATE is not set on a proxy",
    ],
  },
  {
    name: "exportTo ~ alone",
    yaml: `  hosts: [a.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  exportTo: ["~", "*"]
`,
    errors: [
      "spec.exportTo: cannot have both public (*) and non-public exportTo values for a resource",
      "spec.exportTo: cannot export service entry to no one (~) and someone",
    ],
  },
]);

runCases("networking.istio.io/v1", "WorkloadEntry", [
  {
    name: "valid VM entry",
    yaml: "  address: 10.0.0.5\n  ports: {http: 8080}\n  labels: {app: vm}\n  serviceAccount: vm-sa\n",
  },
  { name: "FQDN address", yaml: "  address: vm1.example.com\n" },
  {
    name: "address required unless network is set",
    yaml: "  labels: {app: vm}\n",
    errors: ["spec.address: address is required"],
  },
  {
    name: "network without address is a warning",
    yaml: "  network: vpc-1\n",
    warnings: ['spec.address: address is unset with network "vpc-1"'],
  },
  {
    name: "unix sockets",
    yaml: "  address: unix:///var/run/\n  ports: {http: 80}\n",
    errors: [
      "spec.address: /var/run/ is not an absolute path to a file",
      "spec.ports: unix endpoint unix:///var/run/ must not include ports",
    ],
  },
  {
    name: "ports and labels",
    yaml: '  address: 10.0.0.1\n  ports: {HTTP_PORT: 0}\n  labels: {app: "a b"}\n',
    errors: [
      "spec.ports[HTTP_PORT]: invalid port name: HTTP_PORT",
      "spec.ports[HTTP_PORT]: port number 0 must be in the range 1..65535",
      'spec.labels: invalid tag value: "a b"',
    ],
  },
]);

runCases("networking.istio.io/v1", "WorkloadGroup", [
  {
    name: "valid group with HTTP probe",
    yaml: `  metadata: {labels: {app: vm}}
  template: {serviceAccount: vm}
  probe:
    periodSeconds: 5
    httpGet: {path: /ready, port: 8080, scheme: HTTPS, httpHeaders: [{name: x-probe, value: "1"}]}
`,
  },
  {
    name: "template required",
    yaml: "  metadata: {labels: {app: vm}}\n",
    errors: ["spec.template: template is required"],
  },
  {
    name: "probe checks",
    yaml: `  template: {}
  probe:
    timeoutSeconds: -1
    httpGet: {port: 0, scheme: FTP}
`,
    errors: [
      "spec.probe.timeoutSeconds: timeoutSeconds must be non-negative",
      "spec.probe.httpGet.port: port number 0 must be in the range 1..65535",
      'spec.probe.httpGet.scheme: httpGet.scheme must be one of "HTTPS", "HTTP"',
    ],
  },
  {
    name: "exec needs a command",
    yaml: "  template: {}\n  probe: {exec: {command: []}}\n",
    errors: ["spec.probe.exec.command: exec.command is required"],
  },
]);
