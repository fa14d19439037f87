// DestinationRule validation cases (Istio's rules and messages).

import { runCases } from "./harness.ts";

runCases("networking.istio.io/v1", "DestinationRule", [
  {
    name: "valid policy with subsets, LB, pools, outlier detection and TLS",
    yaml: `  host: reviews.default.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      consistentHash: {httpCookie: {name: user, ttl: 0s}, maglev: {tableSize: 65537}}
      localityLbSetting:
        distribute:
        - from: us-west/zone1/*
          to: {"us-west/zone1/*": 80, "us-west/zone2/*": 20}
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 30ms, tcpKeepalive: {time: 7200s, interval: 75s}}
      http: {http2MaxRequests: 1000, maxRequestsPerConnection: 10, idleTimeout: 1h}
    outlierDetection: {consecutive5xxErrors: 7, interval: 5m, baseEjectionTime: 15m, maxEjectionPercent: 50}
    tls: {mode: MUTUAL, clientCertificate: /etc/certs/cert.pem, privateKey: /etc/certs/key.pem}
    portLevelSettings:
    - port: {number: 80}
      loadBalancer: {simple: LEAST_REQUEST}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
`,
    warnings: [],
  },
  {
    name: "bad host and empty traffic policy",
    yaml: `  host: "reviews..svc"
  trafficPolicy: {}
`,
    errors: [
      'spec.host: domain name ".svc" invalid (label "" invalid)',
      "spec.trafficPolicy: traffic policy must have at least one field",
    ],
  },
  {
    name: "subsets: unique DNS-label names, valid labels",
    yaml: `  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v1
  - name: V.2
    labels: {"bad key!": x}
`,
    errors: [
      "spec.subsets[1].name: duplicate subset names: v1",
      "spec.subsets[2].name: subset name is invalid: V.2",
      'spec.subsets[2].labels: invalid tag key: "bad key!"',
    ],
  },
  {
    name: "client TLS: MUTUAL needs cert and key; credentialName excludes files",
    yaml: `  host: reviews
  trafficPolicy:
    tls: {mode: MUTUAL}
    portLevelSettings:
    - port: {number: 443}
      tls: {mode: SIMPLE, credentialName: creds, caCertificates: /ca.pem}
`,
    errors: [
      "spec.trafficPolicy.tls.clientCertificate: client certificate required for mutual tls",
      "spec.trafficPolicy.tls.privateKey: private key required for mutual tls",
      "spec.trafficPolicy.portLevelSettings[0].tls: cannot specify client certificates or CA certificate or CA CRL If credentialName is set",
    ],
  },
  {
    name: "insecureSkipVerify with a CA",
    yaml: `  host: reviews
  trafficPolicy:
    tls: {mode: SIMPLE, insecureSkipVerify: true, caCertificates: /ca.pem}
`,
    errors: [
      "spec.trafficPolicy.tls: cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true",
    ],
  },
  {
    name: "consistent hash",
    yaml: `  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash:
        httpCookie: {name: ""}
        minimumRingSize: 1024
        maglev: {tableSize: 1000}
`,
    errors: [
      "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name: name required for HttpCookie",
      "spec.trafficPolicy.loadBalancer.consistentHash: only one of MinimumRingSize or Maglev/Ringhash can be specified",
      "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: tableSize must be a prime number for maglev",
    ],
    warnings: [
      "spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize: consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
    ],
  },
  {
    name: "locality: distribute and failover are exclusive",
    yaml: `  host: reviews
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        distribute: [{from: us-west, to: {us-east: 100}}]
        failover: [{from: us-east, to: us-west}]
`,
    errors: [
      "spec.trafficPolicy.loadBalancer.localityLbSetting: can not simultaneously specify 'distribute' and 'failover'",
    ],
  },
  {
    name: "locality: weights sum to 100",
    yaml: `  host: reviews
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        distribute: [{from: us-west, to: {us-east: 60, eu: 30}}]
`,
    errors: [
      "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to: total locality weight 90 != 100",
    ],
  },
  {
    name: "locality: wildcard at the end, no overlap",
    yaml: `  host: reviews
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        distribute:
        - {from: "us-west/*/zone", to: {us-east: 100}}
        - {from: "us-west/z1", to: {"eu/*": 50, "eu/z2": 50}}
`,
    errors: [
      "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[1].to: locality eu/z2 overlap with previous specified ones",
      "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute: locality us-west/*/zone wildcard '*' number can not exceed 1 and must be in the end",
    ],
  },
  {
    name: "locality: failover regions",
    yaml: `  host: reviews
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        failover: [{from: us-east, to: us-east}, {from: "us-east/z1", to: "*"}]
`,
    errors: [
      "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]: locality lb failover settings must specify different regions",
      "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[1]: locality lb failover only specify region",
      "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[1]: locality lb failover region should not contain '*' wildcard",
    ],
    warnings: [
      "spec.trafficPolicy.loadBalancer.localityLbSetting: outlier detection policy must be provided for failover",
    ],
  },
  {
    name: "connection pool and outlier detection",
    yaml: `  host: reviews
  trafficPolicy:
    connectionPool:
      http: {maxRetries: -1, h2UpgradePolicy: UPGRADE, useClientProtocol: true}
      tcp: {connectTimeout: 0.5ms}
    outlierDetection:
      consecutiveLocalOriginFailures: 3
      maxEjectionPercent: 150
      consecutiveErrors: 5
`,
    errors: [
      "spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures: outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false",
      "spec.trafficPolicy.outlierDetection.maxEjectionPercent: percentage 150 is not in range 0..100",
      "spec.trafficPolicy.connectionPool.http.maxRetries: max retries must be non-negative",
      "spec.trafficPolicy.connectionPool.http: use client protocol must not be true when H2UpgradePolicy is UPGRADE",
      "spec.trafficPolicy.connectionPool.tcp.connectTimeout: duration must be greater than 1ms",
    ],
    warnings: [
      "spec.trafficPolicy.outlierDetection.consecutiveErrors: outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead",
    ],
  },
  {
    name: "port-level settings need a port and a field",
    yaml: `  host: reviews
  trafficPolicy:
    portLevelSettings:
    - loadBalancer: {simple: RANDOM}
    - port: {number: 8080}
`,
    errors: [
      "spec.trafficPolicy.portLevelSettings[0].port: portTrafficPolicy must have valid port",
      "spec.trafficPolicy.portLevelSettings[1]: port traffic policy must have at least one field",
    ],
  },
  {
    name: "tunnel settings",
    yaml: `  host: reviews
  trafficPolicy:
    tunnel: {protocol: GET, targetHost: "bad host", targetPort: 0}
`,
    errors: [
      'spec.trafficPolicy.tunnel.protocol: tunnel protocol must be "CONNECT" or "POST"',
      'spec.trafficPolicy.tunnel.targetHost: tunnel target host must be valid FQDN or IP address: domain name "bad host" invalid (label "bad host" invalid); bad host is not a valid IP',
      "spec.trafficPolicy.tunnel.targetPort: tunnel target port is invalid: port number 0 must be in the range 1..65535",
    ],
  },
  {
    name: "workload selector limits exportTo",
    yaml: `  host: reviews
  workloadSelector: {matchLabels: {app: productpage}}
  exportTo: [other]
`,
    errors: [
      "spec.exportTo: destination rule with workload selector cannot have exportTo beyond current namespace",
    ],
  },
]);
