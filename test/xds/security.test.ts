// The server-side security filters in generated listeners: jwt_authn and RBAC ahead of the other
// HTTP filters of the inbound HCM, network RBAC ahead of tcp_proxy, MeshConfig pathNormalization
// on the HCM whose paths RBAC matches, and targetRef policies left to the gateways they name.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultMeshConfig } from "../../src/api/mesh-config.ts";
import { TYPE_URL } from "../../src/envoy/index.ts";
import { applicablePolicies } from "../../src/model/policies.ts";
import { proxyFromNode } from "../../src/model/proxy.ts";
import { PushContext } from "../../src/model/push-context.ts";
import { generate } from "../../src/xds/generators/index.ts";
import { resourcesFromText, storeOf } from "../registry/fixtures.ts";

const CONFIG = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}, {name: tcp-db, port: 5432}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: default, labels: {app: web}}
spec: {serviceAccountName: web}
status: {phase: Running, podIP: 10.0.0.5, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-get, namespace: default}
spec:
  rules: [{to: [{operation: {methods: [GET]}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: for-a-gateway, namespace: default}
spec:
  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]
  action: DENY
  rules: [{}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: default}
spec:
  jwtRules: [{issuer: iss, jwks: '{"keys":[]}'}]
`;

interface Typed {
  rules?: { policies?: Record<string, unknown> };
  http_filters: { name: string; typed_config: Typed }[];
  normalize_path?: boolean;
  merge_slashes?: boolean;
  path_with_escaped_slashes_action?: string;
}
interface Chain {
  filter_chain_match?: { destination_port?: number };
  filters: { name: string; typed_config: Typed }[];
}

function chainFor(port: number, mode?: string): Chain {
  const mesh = defaultMeshConfig();
  if (mode) mesh.pathNormalization = { normalization: mode };
  const push = PushContext.build(storeOf(resourcesFromText(CONFIG, "c.yaml")), { mesh });
  const proxy = proxyFromNode(
    { id: "sidecar~10.0.0.5~web-0.default~default.svc.cluster.local" },
    push.registry,
  );
  const lds = [...generate(proxy, push, TYPE_URL.LISTENER).values()] as unknown as {
    name: string;
    filter_chains: Chain[];
  }[];
  const chains = lds.find((l) => l.name === "virtualInbound")!.filter_chains;
  return chains.find((c) => c.filter_chain_match?.destination_port === port)!;
}

describe("security filters in generated listeners", () => {
  it("puts jwt_authn and RBAC before the other HTTP filters; targetRef policies stay out", () => {
    const chain = chainFor(8080);
    const hcm = chain.filters[0].typed_config;
    assert.deepEqual(
      hcm.http_filters.map((f) => f.name),
      [
        "envoy.filters.http.jwt_authn",
        "envoy.filters.http.rbac",
        "envoy.filters.http.fault",
        "envoy.filters.http.cors",
        "envoy.filters.http.router",
      ],
    );
    const rbac = hcm.http_filters[1].typed_config;
    assert.deepEqual(Object.keys(rbac.rules?.policies ?? {}), [
      "ns[default]-policy[allow-get]-rule[0]",
    ]);
    assert.equal(hcm.normalize_path, true);
    assert.equal(hcm.merge_slashes, false);
  });

  it("puts network RBAC before tcp_proxy (HTTP-only ALLOW rules grant nothing on TCP)", () => {
    const chain = chainFor(5432);
    assert.deepEqual(
      chain.filters.map((f) => f.name),
      ["envoy.filters.network.rbac", "envoy.filters.network.tcp_proxy"],
    );
    assert.deepEqual(chain.filters[0].typed_config.rules, {});
  });

  it("follows MeshConfig pathNormalization", () => {
    const hcm = (mode: string) => chainFor(8080, mode).filters[0].typed_config;
    assert.equal(hcm("MERGE_SLASHES").merge_slashes, true);
    assert.equal(
      hcm("DECODE_AND_MERGE_SLASHES").path_with_escaped_slashes_action,
      "UNESCAPE_AND_FORWARD",
    );
    assert.equal(hcm("NONE").normalize_path, false);
  });

  it("applies a targetRef policy to the Gateway it names, and to nothing else", () => {
    const policies = resourcesFromText(CONFIG, "c.yaml").filter(
      (r) => r.kind.kind === "AuthorizationPolicy",
    );
    const names = (ns: string, labels: Record<string, string>) => {
      const p = applicablePolicies(policies, ns, labels, "istio-system");
      return [...p.root, ...p.namespace, ...p.workload].map((r) => r.metadata.name);
    };
    assert.deepEqual(names("default", { app: "web" }), ["allow-get"]);
    const gw = { "gateway.networking.k8s.io/gateway-name": "gw" };
    assert.deepEqual(names("default", gw), ["allow-get", "for-a-gateway"]);
    assert.deepEqual(names("other", gw), []);
  });
});
