// VirtualService validation cases: hosts, gateways, destinations, weights, delegates.

import { runCases } from "./harness.ts";

const route = `  http:
  - route:
    - destination: {host: reviews}
`;

runCases("networking.istio.io/v1", "VirtualService", [
  {
    name: "valid weighted routes with retries, fault, mirror and CORS",
    yaml: `  hosts: [reviews, "*.example.com"]
  http:
  - name: canary
    match:
    - uri: {prefix: /api}
      headers:
        x-user: {regex: "^(alice|bob)$"}
    route:
    - destination: {host: reviews, subset: v1, port: {number: 9080}}
      weight: 90
    - destination: {host: reviews, subset: v2}
      weight: 10
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,connect-failure,503"}
    timeout: 10s
    fault:
      delay: {fixedDelay: 5s, percentage: {value: 0.1}}
      abort: {httpStatus: 503, percentage: {value: 1}}
    mirror: {host: reviews-shadow}
    mirrorPercentage: {value: 50}
    corsPolicy:
      allowOrigins: [{exact: "https://example.com"}]
      allowMethods: [GET, POST]
      allowHeaders: ["*", x-custom]
      maxAge: 24h
  - redirect: {uri: /new, redirectCode: 302}
`,
    warnings: [],
  },
  {
    name: "no routes at all",
    yaml: "  hosts: [reviews]\n",
    errors: ["spec: http, tcp or tls must be provided in virtual service"],
  },
  {
    name: "bad host names and duplicates",
    yaml: `  hosts: ["reviews..default", "*.foo.com", "bar.foo.com", "1.2.3.4"]
${route}`,
    // Istio reports the remainder after the first label, as here.
    errors: ['spec.hosts[0]: domain name ".default" invalid (label "" invalid)'],
  },
  {
    name: "duplicate wildcard hosts",
    yaml: `  hosts: ["*.foo.com", "bar.foo.com"]
${route}`,
    errors: ["spec.hosts[1]: duplicate hosts in virtual service: *.foo.com & bar.foo.com"],
  },
  {
    name: "* host only for gateways",
    yaml: `  hosts: ["*"]
${route}`,
    errors: [
      "spec.hosts[0]: wildcard host * is not allowed for virtual services bound to the mesh gateway",
    ],
  },
  {
    name: "* host on a gateway is fine",
    yaml: `  hosts: ["*"]
  gateways: [istio-system/ingress]
${route}`,
  },
  {
    name: "gateway names",
    yaml: `  hosts: [a.example.com]
  gateways: ["ns/", "Bad_NS/gw", "gw.ns", mesh]
${route}`,
    errors: [
      "spec.gateways[0]: config namespace and gateway name cannot be empty",
      'spec.gateways[0]: invalid value for gateway name: ""',
      'spec.gateways[1]: invalid value for namespace: "Bad_NS"',
    ],
    warnings: [
      'spec.gateways[2]: using legacy gatewayName format "gw.ns"; prefer the <namespace>/<name> format: "ns/gw"',
    ],
  },
  {
    name: "route and redirect together, no action",
    yaml: `  hosts: [reviews]
  http:
  - redirect: {uri: /x}
    route:
    - destination: {host: reviews}
  - match: [{uri: {exact: /a}}]
`,
    errors: [
      "spec.http[0]: HTTP route cannot contain both route and redirect",
      "spec.http[1]: HTTP route, redirect or direct_response is required",
    ],
  },
  {
    name: "weights",
    yaml: `  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 0
    - destination: {host: reviews, subset: v2}
      weight: 0
  - route:
    - destination: {host: reviews}
      weight: -5
`,
    errors: [
      "spec.http[0].route: total destination weight = 0",
      "spec.http[1].route[0].weight: weight -5 < 0",
    ],
  },
  {
    name: "destinations",
    yaml: `  hosts: [reviews]
  http:
  - route:
    - destination: {host: "*"}
    - destination: {host: reviews, subset: "V_1", port: {number: 70000}}
`,
    errors: [
      "spec.http[0].route[0].destination.host: invalid destination host *",
      "spec.http[0].route[1].destination.subset: subset name is invalid: V_1",
      "spec.http[0].route[1].destination.port.number: port number 70000 must be in the range 1..65535",
      "spec.http[0].route: total destination weight = 0",
    ],
  },
  {
    name: "delegate VS: no gateways, tls or tcp; no nested delegate (regex matches are fine)",
    yaml: `  gateways: [mesh]
  http:
  - match: [{uri: {regex: "/a.*"}}]
    delegate: {name: other}
  tcp:
  - route: [{destination: {host: db}}]
`,
    errors: [
      "spec.gateways: delegate virtual service must have no gateways specified",
      "spec.tcp: delegate virtual service must have no tcp route specified",
      "spec.http[0].delegate: delegate HTTP route cannot contain delegate",
      "spec.http[0]: HTTP route, redirect or direct_response is required",
    ],
  },
  {
    name: "root route with delegate must not route",
    yaml: `  hosts: [reviews]
  http:
  - delegate: {name: reviews-v1, namespace: team}
    route: [{destination: {host: reviews}}]
  - delegate: {name: reviews-v2}
`,
    errors: ["spec.http[0].route: root HTTP route  must not specify route"],
  },
  {
    name: "JWT claim routing only on gateways",
    yaml: `  hosts: [reviews]
  http:
  - match:
    - headers:
        "@request.auth.claims.group": {exact: admin}
    route: [{destination: {host: reviews}}]
`,
    errors: [
      "spec.http[0].match[0].headers[@request.auth.claims.group]: JWT claim based routing (key: @request.auth.claims.group) is only supported for gateway, found no gateways: []",
    ],
  },
  {
    name: "JWT claim routing on a gateway is fine",
    yaml: `  hosts: [reviews.example.com]
  gateways: [istio-system/ingress]
  http:
  - match:
    - headers:
        "@request.auth.claims.group": {exact: admin}
    route: [{destination: {host: reviews}}]
`,
  },
  {
    name: "TLS routes: SNI within hosts",
    yaml: `  hosts: ["*.example.com"]
  tls:
  - match:
    - sniHosts: [a.example.com, b.other.com]
      port: 443
    route: [{destination: {host: a.example.com}}]
  - match: []
    route: []
`,
    errors: [
      'spec.tls[0].match[0].sniHosts[1]: SNI host "b.other.com" is not a compatible subset of any of the virtual service hosts: [*.example.com]',
      "spec.tls[1]: TLS route must have at least one match condition",
      "spec.tls[1].route: TLS route is required",
    ],
  },
  {
    name: "TCP routes",
    yaml: `  hosts: [db]
  tcp:
  - match:
    - destinationSubnets: [10.0.0.0/33]
      port: 0
      sourceLabels: {"app": "a b"}
  - route: [{destination: {host: db, port: {number: 3306}}}]
`,
    errors: [
      "spec.tcp[0].match[0].destinationSubnets[0]: 10.0.0.0/33 is not a valid CIDR block",
      'spec.tcp[0].match[0].sourceLabels: invalid tag value: "a b"',
      "spec.tcp[0].route: TCP route is required",
    ],
  },
  {
    name: "exportTo",
    yaml: `  hosts: [reviews]
  exportTo: [".", default, "*"]
${route}`,
    // "." counts as the own namespace; Istio names the entry that repeats it.
    errors: [
      "spec.exportTo[1]: duplicate entries in exportTo for entry default",
      "spec.exportTo: cannot have both public (*) and non-public exportTo values for a resource",
    ],
  },
  {
    name: "unreachable rules are warnings",
    yaml: `  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
  - route: [{destination: {host: reviews}}]
  - match: [{uri: {exact: /a}}]
    route: [{destination: {host: reviews}}]
  - match: [{name: again, uri: {exact: /a}}]
    route: [{destination: {host: reviews}}]
`,
    errors: [],
    warnings: [
      "spec.http[1]: virtualService rule #1 not used (only the last rule can have no matches)",
      'spec.http[3].match[0]: virtualService rule #3 match "again" is not used (duplicate/overlapping match in rule #2)',
      "spec.http[3]: virtualService rule #3 not used (all matches used by prior rules)",
    ],
  },
  {
    name: "a longer prefix after a shorter one with the same conditions is never used",
    yaml: `  hosts: [reviews]
  http:
  - name: debug
    match: [{uri: {prefix: /debug}}]
    route: [{destination: {host: reviews}}]
  - match:
    - uri: {prefix: /debugs}
    - uri: {prefix: /debug/x}
      method: {exact: POST}
    route: [{destination: {host: reviews}}]
`,
    errors: [],
    warnings: [
      'spec.http[1].match[0]: virtualService rule #1 match #0 of prefix /debugs is not used (duplicate/overlapping match in rule #0 of prefix /debug on "debug")',
    ],
  },
  {
    name: "direct_response conflicts; mirror and mirrors",
    yaml: `  hosts: [reviews]
  http:
  - directResponse: {status: 503}
    redirect: {uri: /x}
  - directResponse: {status: 503}
    fault: {abort: {httpStatus: 500}}
    route: [{destination: {host: reviews}}]
  - mirror: {host: a}
    mirrors: [{destination: {host: b}}]
    route: [{destination: {host: reviews}}]
`,
    errors: [
      "spec.http[0]: HTTP route rule cannot contain both direct_response and redirect",
      "spec.http[1]: HTTP route cannot contain both route and direct_response",
      "spec.http[1]: HTTP route cannot contain both fault and direct_response",
      "spec.http[2]: HTTP route cannot contain both mirror and mirrors",
    ],
  },
]);
