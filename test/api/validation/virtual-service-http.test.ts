import { runCases } from "./harness.ts";

// HTTP route policies: matches, headers, rewrite, retries, timeouts, faults, mirrors, CORS.

runCases("networking.istio.io/v1", "VirtualService", [
  {
    name: "direct response and redirect checks",
    yaml: `  hosts: [reviews]
  http:
  - directResponse: {status: 700, body: {string: nope}}
  - redirect: {redirectCode: 200, scheme: ftp, uri: /x}
  - redirect: {}
`,
    errors: [
      "spec.http[0].directResponse.status: HTTP status 700 is not in range 200-599",
      "spec.http[1].redirect.redirectCode: 200 is not a valid redirect code, must be 3xx",
      'spec.http[1].redirect.scheme: invalid redirect scheme, must be "http" or "https"',
      "spec.http[2].redirect: redirect must specify URI, authority, scheme, or port",
    ],
  },
  {
    name: "invalid RE2 regexes",
    yaml: `  hosts: [reviews]
  http:
  - match:
    - uri: {regex: "/a(b"}
      headers:
        x-id: {regex: "(?=x)"}
      queryParams:
        q: {regex: ""}
    route:
    - destination: {host: reviews}
`,
    errors: [
      'spec.http[0].match[0].headers[x-id]: "headers": error parsing regexp: invalid or unsupported Perl syntax: `(?=`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
      'spec.http[0].match[0].uri: "uri": error parsing regexp: missing closing ): `/a(b`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
      'spec.http[0].match[0].queryParams[q]: "queryParams": regex string match should not be empty',
    ],
  },
  {
    name: "header names in matches and operations",
    yaml: `  hosts: [reviews]
  http:
  - match:
    - headers:
        "bad header": {exact: x}
    headers:
      request:
        set: {":path": /x, "x-ok": "100%%"}
        remove: [host]
      response:
        add: {x-bad: "50%"}
    route:
    - destination: {host: reviews}
`,
    errors: [
      "spec.http[0].match[0].headers[bad header]: header name bad header is not a valid header name",
      'spec.http[0].headers.request.set[:path]: invalid header ":path": header cannot have ":" prefix',
      'spec.http[0].headers.response.add[x-bad]: header value configuration: invalid header value "50%": unterminated variable expression, use %% for a literal %',
      'spec.http[0].headers.request.remove[0]: invalid header "host": cannot set Host header',
    ],
  },
  {
    name: "authority rewritten twice",
    yaml: `  hosts: [reviews]
  http:
  - rewrite: {authority: a.example.com}
    headers:
      request:
        set: {":authority": b.example.com}
    route:
    - destination: {host: reviews}
`,
    errors: [
      'spec.http[0].headers.request.set[:authority]: authority header cannot be set multiple times: have "a.example.com", attempting to set "b.example.com"',
    ],
  },
  {
    name: "rewrite rules",
    yaml: `  hosts: [reviews]
  http:
  - rewrite: {uri: /a, uriRegexRewrite: {match: a, rewrite: b}}
    route: [{destination: {host: reviews}}]
  - rewrite: {}
    route: [{destination: {host: reviews}}]
  - rewrite: {uriRegexRewrite: {match: "a("}}
    route: [{destination: {host: reviews}}]
  - rewrite: {uri: /x}
    redirect: {uri: /y}
`,
    errors: [
      "spec.http[0].rewrite: rewrite may only contain one of URI or UriRegexRewrite",
      "spec.http[1].rewrite: rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified",
      "spec.http[2].rewrite.uriRegexRewrite: UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and Match fields to be specified",
      "spec.http[3]: HTTP route rule cannot contain both rewrite and redirect",
    ],
  },
  {
    name: "retries",
    yaml: `  hosts: [reviews]
  http:
  - retries: {retryOn: 5xx}
    route: [{destination: {host: reviews}}]
  - retries: {attempts: 2, retryOn: "5xx,bogus,999", perTryTimeout: 500us}
    route: [{destination: {host: reviews}}]
`,
    errors: [
      "spec.http[0].retries: http retry policy configured when attempts are set to 0 (disabled)",
      "spec.http[1].retries.perTryTimeout: duration must be greater than 1ms",
      'spec.http[1].retries.retryOn: "bogus" is not a valid retryOn policy',
      'spec.http[1].retries.retryOn: "999" is not a valid retryOn policy',
    ],
  },
  {
    name: "timeouts and durations",
    yaml: `  hosts: [reviews]
  http:
  - timeout: 1.0005s
    route: [{destination: {host: reviews}}]
  - timeout: soon
    route: [{destination: {host: reviews}}]
`,
    errors: [
      "spec.http[0].timeout: only durations to ms precision are supported",
      'spec.http[1].timeout: invalid duration "soon"',
    ],
  },
  {
    name: "fault injection",
    yaml: `  hosts: [reviews]
  http:
  - fault: {}
    route: [{destination: {host: reviews}}]
  - fault:
      abort: {grpcStatus: NOPE, percentage: {value: 101}}
      delay: {exponentialDelay: 1s}
    route: [{destination: {host: reviews}}]
  - fault:
      abort: {percentage: {value: 0.00001}}
    route: [{destination: {host: reviews}}]
`,
    errors: [
      "spec.http[0].fault: HTTP fault injection must have an abort and/or a delay",
      "spec.http[1].fault.abort.percentage: percentage 101 is neither 0.0, nor in range [0.0001, 100.0]",
      "spec.http[1].fault.abort.grpcStatus: gRPC status \"NOPE\" is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'",
      "spec.http[1].fault.delay.exponentialDelay: exponentialDelay not supported yet",
      "spec.http[2].fault.abort.percentage: percentage 0.00001 is neither 0.0, nor in range [0.0001, 100.0]",
    ],
    warnings: [
      "spec.http[2].fault.abort: abort configured, but error type not set",
      "spec.http[1]: virtualService rule #1 not used (only the last rule can have no matches)",
      "spec.http[2]: virtualService rule #2 not used (only the last rule can have no matches)",
    ],
  },
  {
    name: "mirrors",
    yaml: `  hosts: [reviews]
  http:
  - mirrorPercentage: {value: 120}
    mirrorPercent: 50
    mirrors:
    - destination: {host: a}
      percentage: {value: -1}
    route: [{destination: {host: reviews}}]
`,
    errors: [
      "spec.http[0].mirrorPercentage: mirror_percentage must have a max value of 100 (it has 120)",
      "spec.http[0].mirrors[0].percentage: mirror percentage must have a min value of 0 (it has -1)",
    ],
    warnings: [
      'spec.http[0].mirrorPercent: using deprecated setting "mirrorPercent", use "mirrorPercentage" instead',
    ],
  },
  {
    name: "CORS",
    yaml: `  hosts: [reviews]
  http:
  - corsPolicy:
      allowOrigins: [{exact: ""}, {regex: "a("}]
      allowMethods: [FETCH]
      exposeHeaders: ["bad header"]
      maxAge: 1500ms
    route: [{destination: {host: reviews}}]
`,
    errors: [
      "spec.http[0].corsPolicy.allowOrigins[0]: '' is not a valid match type for CORS allow origins",
      'spec.http[0].corsPolicy.allowOrigins[1]: "corsPolicy.allowOrigins": error parsing regexp: missing closing ): `a(`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
      'spec.http[0].corsPolicy.allowMethods[0]: "FETCH" is not a supported HTTP method',
      "spec.http[0].corsPolicy.exposeHeaders[0]: header name bad header is not a valid header name",
      "spec.http[0].corsPolicy.maxAge: max_age duration is accurate only to seconds precision",
    ],
  },
  {
    name: "empty prefixes: fine for uri, not for other string matches",
    yaml: `  hosts: [reviews]
  http:
  - match:
    - uri: {prefix: ""}
      method: {prefix: ""}
      withoutHeaders:
        x-debug: {regex: "*"}
    route: [{destination: {host: reviews}}]
`,
    errors: ['spec.http[0].match[0].method: "method": prefix string match should not be empty'],
  },
]);
