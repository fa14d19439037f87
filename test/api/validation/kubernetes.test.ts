// Validation cases for Kubernetes Services and Gateway API HTTPRoute and GRPCRoute.

import { runCases } from "./harness.ts";

runCases("v1", "Service", [
  {
    name: "valid named ports",
    yaml: `  selector: {app: reviews}
  ports:
  - {name: http, port: 9080}
  - {name: grpc-web, port: 8080, targetPort: web}
  - {name: metrics, port: 15090, appProtocol: http}
  - {name: mysql, port: 3306}
  - {name: dns, port: 53, protocol: UDP}
`,
    warnings: [],
  },
  {
    name: "names required with several ports; unique and valid",
    yaml: `  ports:
  - {port: 80}
  - {name: Web, port: 81}
  - {name: web, port: 82}
  - {name: web, port: 82}
`,
    errors: [
      "spec.ports[0].name: port name is required when a service has more than one port",
      "spec.ports[1].name: invalid port name: Web",
      "spec.ports[3].name: duplicate port name: web",
      "spec.ports[3].port: duplicate port: 82/TCP",
    ],
  },
  {
    name: "ports not following the naming convention are warned",
    yaml: "  ports:\n  - {name: web, port: 8080}\n",
    warnings: [
      'spec.ports[0].name: port name "web" does not follow the Istio protocol naming convention <protocol>[-<suffix>] and has no appProtocol; the protocol will be detected',
    ],
  },
]);

runCases("gateway.networking.k8s.io/v1", "HTTPRoute", [
  {
    name: "valid regex matches",
    yaml: `  parentRefs: [{name: gw}]
  rules:
  - matches:
    - path: {type: RegularExpression, value: "/api/v[0-9]+/.*"}
      headers: [{type: RegularExpression, name: x-id, value: "^[a-f0-9]{8}$"}]
    backendRefs: [{name: reviews, port: 9080}]
`,
  },
  {
    name: "regexes must be RE2",
    yaml: `  rules:
  - matches:
    - path: {type: RegularExpression, value: "/a(?!b)"}
      queryParams: [{type: RegularExpression, name: q, value: "(x"}]
`,
    errors: [
      'spec.rules[0].matches[0].path.value: "path": error parsing regexp: invalid or unsupported Perl syntax: `(?!`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
      'spec.rules[0].matches[0].queryParams[0].value: "queryParams": error parsing regexp: missing closing ): `(x`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
    ],
  },
]);

runCases("gateway.networking.k8s.io/v1", "GRPCRoute", [
  {
    name: "method regexes must be RE2",
    yaml: `  rules:
  - matches:
    - method: {type: RegularExpression, service: "foo\\\\.(Bar", method: "Get.*"}
`,
    errors: [
      'spec.rules[0].matches[0].method.service: "method.service": error parsing regexp: missing closing ): `foo\\.(Bar`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
    ],
  },
]);
