// Validation cases for Telemetry, WasmPlugin, EnvoyFilter and ProxyConfig.

import { runCases } from "./harness.ts";

runCases("telemetry.istio.io/v1", "Telemetry", [
  {
    name: "valid tracing, metrics and access logging",
    yaml: `  selector: {matchLabels: {app: reviews}}
  tracing:
  - providers: [{name: zipkin}]
    randomSamplingPercentage: 10
    customTags:
      env: {environment: {name: ENV, defaultValue: dev}}
  metrics:
  - providers: [{name: prometheus}]
    overrides:
    - match: {metric: REQUEST_COUNT, mode: CLIENT}
      tagOverrides:
        request_host: {value: request.host}
        response_flags: {operation: REMOVE}
  accessLogging:
  - providers: [{name: envoy}]
    filter: {expression: "response.code >= 400"}
`,
    warnings: [],
  },
  {
    name: "tag overrides and custom metrics",
    yaml: `  metrics:
  - overrides:
    - match: {customMetric: ""}
      tagOverrides:
        a: {operation: UPSERT}
        b: {operation: REMOVE, value: x}
`,
    errors: [
      "spec.metrics[0].overrides[0].tagOverrides[a]: tagOverrides.value must be set when operation is UPSERT",
      "spec.metrics[0].overrides[0].tagOverrides[b]: tagOverrides.value may only be set when operation is UPSERT",
      "spec.metrics[0].overrides[0].match.customMetric: customMetric may not be empty",
    ],
  },
  {
    name: "tracing: sampling range, providers, tags",
    yaml: `  tracing:
  - providers: [{name: a}, {name: ""}]
    randomSamplingPercentage: 120
    customTags:
      lit: {literal: {value: ""}}
      hdr: {header: {name: ""}}
  - providers: [{name: b}]
`,
    errors: [
      "spec.tracing[0].providers: providers.name may not be empty",
      "spec.tracing[0].randomSamplingPercentage: randomSamplingPercentage must be in range [0.0, 100.0]",
      "spec.tracing[0].customTags[lit]: literal tag value may not be empty",
      "spec.tracing[0].customTags[hdr]: header tag name may not be empty",
    ],
    warnings: [
      "spec.tracing: multiple tracing is not currently supported",
      "spec.tracing[0].providers: multiple providers is not currently supported",
    ],
  },
  {
    name: "access log filter must be CEL",
    yaml: `  accessLogging:
  - providers: [{name: envoy}]
    filter: {expression: "response.code >= "}
`,
    errors: [
      "spec.accessLogging[0].filter.expression: must be a valid CEL expression, Unexpected token: EOF",
    ],
  },
  {
    name: "target refs",
    yaml: `  targetRefs:
  - {group: gateway.networking.k8s.io, kind: Gateway, name: waypoint}
  - {kind: Service, name: ""}
`,
    errors: ["spec.targetRefs[1].name: targetRef name must be set"],
  },
]);

runCases("extensions.istio.io/v1alpha1", "WasmPlugin", [
  {
    name: "valid OCI plugin",
    yaml: `  selector: {matchLabels: {istio: ingressgateway}}
  url: oci://ghcr.io/istio-ecosystem/wasm-extensions/basic_auth:1.12.0
  sha256: ${"a".repeat(64)}
  phase: AUTHN
  vmConfig:
    env: [{name: POD_NAME, valueFrom: HOST}, {name: MODE, value: strict}]
  match:
  - mode: SERVER
    ports: [{number: 8080}]
`,
  },
  { name: "url without scheme is OCI", yaml: "  url: ghcr.io/foo/bar:1\n" },
  {
    name: "url, sha256, env",
    yaml: `  url: ftp://example.com/plugin.wasm
  sha256: ${"G".repeat(64)}
  vmConfig:
    env: [{name: A, valueFrom: HOST, value: x}, {name: A}]
  match: [{ports: [{number: 0}]}]
`,
    errors: [
      "spec.url: url contains unsupported scheme: ftp",
      "spec.sha256: sha256 field must match [a-f0-9]{64} pattern",
      "spec.vmConfig.env[0].value: value may only be set when valueFrom is INLINE",
      "spec.vmConfig.env[1].name: duplicate env",
      "spec.match[0].ports[0].number: spec.Match[0].Ports[0] is out of range: 0",
    ],
  },
  {
    name: "url must parse",
    yaml: '  url: "#%blah$#@"\n',
    errors: ['spec.url: failed to parse url: parse "#%blah$#@": invalid URL escape "%bl"'],
  },
  {
    name: "url required",
    yaml: "  phase: STATS\n",
    errors: ["spec.url: url field needs to be set"],
  },
]);

runCases("networking.istio.io/v1alpha3", "EnvoyFilter", [
  {
    name: "valid HTTP filter insertion",
    yaml: `  workloadSelector: {labels: {app: reviews}}
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
      proxy: {proxyVersion: "^1\\\\.2[0-9].*"}
      listener:
        portNumber: 8080
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter: {name: envoy.filters.http.router}
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.lua
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua, inlineCode: "-- noop"}
  - applyTo: CLUSTER
    match: {cluster: {service: reviews.default.svc.cluster.local}}
    patch: {operation: REMOVE}
`,
    // Istio warns on every EnvoyFilter.
    warnings: [
      "spec: EnvoyFilter exposes internal implementation details that may change at any time. Prefer other APIs if possible, and exercise extreme caution, especially around upgrades.",
    ],
  },
  {
    name: "patch parts required",
    yaml: `  configPatches:
  - patch: {operation: MERGE, value: {}}
  - applyTo: LISTENER
  - applyTo: LISTENER
    patch: {value: {}}
  - applyTo: LISTENER
    patch: {operation: ADD}
`,
    errors: [
      "spec.configPatches[0].applyTo: Envoy filter: missing applyTo",
      "spec.configPatches[1].patch: Envoy filter: missing patch",
      "spec.configPatches[2].patch.operation: Envoy filter: missing patch operation",
      "spec.configPatches[3].patch.value: Envoy filter: missing patch value for non-remove operation",
    ],
  },
  {
    name: "applyTo must agree with the match",
    yaml: `  configPatches:
  - applyTo: HTTP_FILTER
    match: {cluster: {name: foo}}
    patch: {operation: REMOVE}
  - applyTo: HTTP_ROUTE
    match: {listener: {portNumber: 80}}
    patch: {operation: REMOVE}
  - applyTo: CLUSTER
    match: {routeConfiguration: {portNumber: 80}}
    patch: {operation: REMOVE}
`,
    errors: [
      "spec.configPatches[0].match: Envoy filter: applyTo for listener class objects cannot have non listener match",
      "spec.configPatches[1].match: Envoy filter: applyTo for http route class objects cannot have non route configuration match",
      "spec.configPatches[2].match: Envoy filter: applyTo for cluster class objects cannot have non cluster match",
    ],
  },
  {
    name: "filter and sub-filter matches; proxy version regex",
    yaml: `  configPatches:
  - applyTo: NETWORK_FILTER
    match:
      proxy: {proxyVersion: "1.(2"}
      listener: {filterChain: {filter: {name: envoy.tcp_proxy, subFilter: {name: x}}}}
    patch: {operation: REMOVE}
  - applyTo: HTTP_FILTER
    match:
      listener: {filterChain: {filter: {name: envoy.tcp_proxy, subFilter: {name: x}}}}
    patch: {operation: REMOVE}
  - applyTo: LISTENER
    match:
      listener: {filterChain: {filter: {}}}
    patch: {operation: REMOVE}
`,
    errors: [
      "spec.configPatches[0].match.proxy.proxyVersion: Envoy filter: invalid regex for proxy version, [error parsing regexp: missing closing ): `1.(2`]",
      "spec.configPatches[1].match.listener.filterChain.filter.subFilter: Envoy filter: subfilter match requires filter match with envoy.filters.network.http_connection_manager",
      "spec.configPatches[2].match.listener.filterChain.filter.name: Envoy filter: filter match has no name to match on",
    ],
    warnings: [
      "spec: EnvoyFilter exposes internal implementation details that may change at any time. Prefer other APIs if possible, and exercise extreme caution, especially around upgrades.",
      "spec.configPatches[2].match.listener.filterChain.filter: Envoy filter: filter match has no effect when used with LISTENER",
    ],
  },
  {
    name: "deprecated filter names are warnings",
    yaml: `  configPatches:
  - applyTo: HTTP_FILTER
    match:
      listener: {filterChain: {filter: {name: envoy.http_connection_manager, subFilter: {name: envoy.router}}}}
    patch: {operation: REMOVE}
`,
    errors: [],
    warnings: [
      "spec: EnvoyFilter exposes internal implementation details that may change at any time. Prefer other APIs if possible, and exercise extreme caution, especially around upgrades.",
      'spec.configPatches[0].match.listener.filterChain.filter.name: using deprecated filter name "envoy.http_connection_manager"; use "envoy.filters.network.http_connection_manager" instead',
      'spec.configPatches[0].match.listener.filterChain.filter.subFilter.name: using deprecated filter name "envoy.router"; use "envoy.filters.http.router" instead',
    ],
  },
]);

runCases("networking.istio.io/v1beta1", "ProxyConfig", [
  {
    name: "valid",
    yaml: "  selector: {matchLabels: {app: a}}\n  concurrency: 2\n  environmentVariables: {A: b}\n",
  },
  {
    name: "negative concurrency",
    yaml: "  concurrency: -1\n",
    errors: ["spec.concurrency: concurrency must be greater than or equal to 0"],
  },
]);
