// Validation cases for PeerAuthentication, RequestAuthentication and AuthorizationPolicy.

import { runCases } from "./harness.ts";

runCases("security.istio.io/v1", "PeerAuthentication", [
  { name: "valid mesh-wide STRICT", yaml: "  mtls: {mode: STRICT}\n" },
  {
    name: "valid port-level with selector",
    yaml: '  selector: {matchLabels: {app: db}}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    "3306": {mode: DISABLE}\n',
  },
  {
    name: "port-level mTLS needs a selector",
    yaml: '  portLevelMtls:\n    "8080": {mode: DISABLE}\n',
    errors: ["spec.portLevelMtls: mesh/namespace peer authentication cannot have port level mTLS"],
  },
  {
    name: "port keys",
    yaml: '  selector: {matchLabels: {app: db}}\n  portLevelMtls:\n    "0": {mode: DISABLE}\n    http: {mode: STRICT}\n',
    errors: [
      "spec.portLevelMtls[0]: port must be in range 1..65535",
      'spec.portLevelMtls[http]: type conversion error from "http" to port number: port must be in range 1..65535',
    ],
  },
  {
    name: "empty port-level map",
    yaml: "  selector: {matchLabels: {app: db}}\n  portLevelMtls: {}\n",
    errors: ["spec.portLevelMtls: port level mTLS, if defined, must have at least one element"],
  },
  {
    name: "selector wildcard",
    yaml: '  selector: {matchLabels: {app: "db*"}}\n',
    errors: ['spec.selector.matchLabels: wildcard is not supported in selector: "app=db*"'],
  },
]);

const JWKS = JSON.stringify({
  keys: [
    {
      kty: "RSA",
      e: "AQAB",
      n: "xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8H07pSAGQO1MV_xFj9VswgsCg4R6otmg5PV2He95lZdHtOcU5DXIg_pbhLdKXbi66GlVeK6ABZOUW3WYtnNHD-91gVuoeJT_DwtGGcp4ignkgXfkiEm4sw-4sfb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo_-4WTiULmmHSGZHOjzwa8WtrtOQGsAFjIbno85jp6MnGGGZPYZbDAa_b3y5u-YpW7ypZrvD8BgtKVjgtQgZhLAGezMt0ua3DRrWnKqTZ0BJ_EyxOGuHJrLsn00fnMQ",
    },
  ],
});

runCases("security.istio.io/v1", "RequestAuthentication", [
  {
    name: "valid JWT rules",
    yaml: `  selector: {matchLabels: {app: httpbin}}
  jwtRules:
  - issuer: testing@secure.istio.io
    jwksUri: https://raw.githubusercontent.com/istio/istio/master/security/tools/jwt/samples/jwks.json
    fromHeaders: [{name: x-jwt, prefix: "Bearer "}]
    outputClaimToHeaders: [{header: x-sub, claim: sub}]
    timeout: 5s
  - issuer: inline
    jwks: '${JWKS}'
`,
  },
  {
    name: "issuer required, audiences non-empty, jwksUri scheme",
    yaml: `  jwtRules:
  - audiences: [""]
    jwksUri: ftp://example.com/jwks
`,
    errors: [
      "spec.jwtRules[0].issuer: issuer must be set",
      "spec.jwtRules[0].audiences[0]: audience must be non-empty string",
      'spec.jwtRules[0].jwksUri: URI scheme "ftp" is not supported',
    ],
  },
  {
    name: "inline jwks must parse",
    yaml: `  jwtRules:
  - issuer: a
    jwks: "not json"
  - issuer: b
    jwks: '{"keys": [{"kty": "RSA", "e": "AQAB"}]}'
  - issuer: c
    jwks: '{"keys": "nope"}'
`,
    errors: [
      "spec.jwtRules[0].jwks: jwks parse error: failed to unmarshal JWK set: Unexpected token 'o', \"not json\" is not valid JSON",
      "spec.jwtRules[1].jwks: jwks parse error: key 0: required field n is missing",
      "spec.jwtRules[2].jwks: jwks parse error: JSON Web Key Set malformed",
    ],
  },
  {
    name: "jwks and jwksUri together",
    yaml: `  jwtRules:
  - issuer: a
    jwksUri: https://example.com/jwks
    jwks: '${JWKS}'
`,
    errors: ["spec.jwtRules[0]: only one of jwks or jwksUri can be set"],
  },
  {
    name: "token locations and claim headers",
    yaml: `  jwtRules:
  - issuer: a
    fromHeaders: [{name: ""}]
    fromParams: [""]
    fromCookies: [""]
    outputClaimToHeaders: [{header: "bad header", claim: sub}, {header: x, claim: ""}]
    timeout: 0.1ms
`,
    errors: [
      "spec.jwtRules[0].fromHeaders[0].name: location header name must be non-empty string",
      "spec.jwtRules[0].fromParams[0]: location query must be non-empty string",
      "spec.jwtRules[0].fromCookies[0]: cookie name must be non-empty string",
      "spec.jwtRules[0].outputClaimToHeaders[0].header: header name bad header is not a valid header name",
      "spec.jwtRules[0].outputClaimToHeaders[1]: outputClaimToHeaders header and claim value must be non-empty string",
      "spec.jwtRules[0].timeout: duration must be greater than 1ms",
    ],
  },
  {
    name: "selector and targetRefs together; bad target",
    yaml: `  selector: {matchLabels: {app: a}}
  targetRefs:
  - {kind: Deployment, name: a, namespace: other}
`,
    errors: [
      "spec: only one of targetRefs or workloadSelector can be set",
      "spec.targetRefs[0].namespace: targetRef namespace must not be set; cross namespace referencing is not supported",
      "spec.targetRefs[0]: targetRef must be to one of [Service, networking.istio.io/ServiceEntry, gateway.networking.k8s.io/Gateway, gateway.networking.k8s.io/GatewayClass] but was /Deployment",
    ],
  },
]);

runCases("security.istio.io/v1", "AuthorizationPolicy", [
  {
    name: "valid ALLOW with from/to/when",
    yaml: `  selector: {matchLabels: {app: httpbin}}
  action: ALLOW
  rules:
  - from:
    - source: {principals: ["cluster.local/ns/default/sa/sleep"], ipBlocks: [10.0.0.0/8]}
    to:
    - operation: {methods: [GET], paths: ["/info*", "/api/{*}/items/{**}"], ports: ["8000"]}
    when:
    - {key: "request.auth.claims[iss]", values: ["https://accounts.google.com"]}
    - {key: source.ip, notValues: [10.1.0.0/16]}
    - {key: "request.headers[x-version]", values: [v1]}
`,
    warnings: [],
  },
  { name: "ALLOW with no rules denies all (valid)", yaml: "  action: ALLOW\n" },
  {
    name: "DENY without rules",
    yaml: "  action: DENY\n",
    errors: [
      "spec.rules: DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request",
    ],
  },
  {
    name: "CUSTOM needs a provider and supports a subset",
    yaml: `  action: CUSTOM
  rules:
  - from: [{source: {principals: [a], requestPrincipals: [b]}}]
    when: [{key: "request.auth.claims[group]", values: [admin]}]
`,
    errors: [
      "spec.provider.name: `provider.name` must not be empty",
      "spec.rules[0].from[0].source.principals: From.Principals is currently not supported with CUSTOM action",
      "spec.rules[0].from[0].source.requestPrincipals: From.RequestPrincipals is currently not supported with CUSTOM action",
      "spec.rules[0].when[0].key: request.auth.claims[group] is currently not supported with CUSTOM action",
    ],
  },
  {
    name: "CUSTOM without rules; provider on ALLOW",
    yaml: "  action: CUSTOM\n  provider: {name: ext-authz}\n",
    errors: [
      "spec.rules: CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request",
    ],
  },
  {
    name: "provider with a non-CUSTOM action",
    yaml: "  action: ALLOW\n  provider: {name: ext-authz}\n  rules: [{}]\n",
    errors: ["spec.provider: `provider` must not be with non CUSTOM action, found ALLOW"],
  },
  {
    name: "empty from/to, sources and operations",
    yaml: `  rules:
  - from: []
    to: []
  - from: [{source: {}}]
    to: [{operation: {}}]
`,
    errors: [
      "spec.rules[0].from: `from` must not be empty, found at rule 0",
      "spec.rules[0].to: `to` must not be empty, found at rule 0",
      "spec.rules[1].from[0].source: `from.source` must not be empty, found at rule 1",
      "spec.rules[1].to[0].operation: `to.operation` must not be empty, found at rule 1",
    ],
  },
  {
    name: "value formats",
    yaml: `  rules:
  - from: [{source: {ipBlocks: [300.0.0.1], principals: [""]}}]
    to: [{operation: {ports: [http], paths: ["/a/{x}"], notPaths: ["/{**}/{*}"]}}]
`,
    errors: [
      "spec.rules[0].from[0].source.ipBlocks: invalid IP address or CIDR range: 300.0.0.1",
      "spec.rules[0].from[0].source.principals: empty value not allowed, found in Principals",
      "spec.rules[0].to[0].operation.ports: invalid port: http",
      "spec.rules[0].to[0].operation.paths: invalid or unsupported path /a/{x}, found in Paths. Contains '{' or '}' beyond a supported path template",
      "spec.rules[0].to[0].operation.notPaths: invalid or unsupported path /{**}/{*}, found in NotPaths. {**} is not the last operator",
    ],
  },
  {
    name: "condition keys",
    yaml: `  rules:
  - when:
    - {key: destination.namespace, values: [a]}
    - {key: "request.headers[]", values: [a]}
    - {key: source.ip, values: [nope]}
    - {key: foo.bar, notValues: [x]}
    - {key: connection.sni}
`,
    errors: [
      "spec.rules[0].when[0].values: invalid `value` for `key` destination.namespace: attribute destination.namespace is replaced by the metadata.namespace",
      "spec.rules[0].when[1].values: invalid `value` for `key` request.headers[]: invalid key: request.headers[]",
      "spec.rules[0].when[2].values: invalid `value` for `key` source.ip: invalid IP address or CIDR range: nope",
      "spec.rules[0].when[3].notValues: invalid `notValue` for `key` foo.bar: unknown attribute (foo.bar)",
      "spec.rules[0].when[4]: at least one of `values` or `notValues` must be set for key connection.sni",
    ],
  },
  {
    name: "serviceAccounts with principals",
    yaml: `  rules:
  - from: [{source: {serviceAccounts: ["bar/sa"], namespaces: [bar]}}]
`,
    errors: [
      "spec.rules[0].from[0].source: Cannot set serviceAccounts with namespaces or principals",
    ],
  },
  {
    name: "DENY with only HTTP attributes warns about TCP",
    yaml: `  action: DENY
  rules:
  - to: [{operation: {methods: [POST]}}]
`,
    errors: [],
    warnings: [
      "spec.rules[0]: configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port",
    ],
  },
]);
