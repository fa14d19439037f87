// Typed accessors over resources: KIND ids, narrowing by kind id, spec-less kinds.

import assert from "node:assert/strict";
import { test } from "node:test";
import { kindById } from "../../../src/api/kinds.ts";
import { parseText } from "../../../src/api/parse.ts";
import type { Resource } from "../../../src/api/resource.ts";
import {
  asHTTPRoute,
  asKind,
  asKubeGateway,
  asVirtualService,
  isKind,
  KIND,
  podStatus,
} from "../../../src/api/types/index.ts";
import { toResource } from "../../../src/api/validate.ts";

function load(text: string): Resource {
  const [obj] = parseText(text).objects;
  const r = toResource(obj);
  assert.ok(r.ok);
  return r.resource;
}

test("every KIND id names a known kind", () => {
  for (const [name, id] of Object.entries(KIND)) assert.ok(kindById(id), `${name}: ${id}`);
});

test("accessors narrow by kind id, whatever the apiVersion", () => {
  const vs = load(`apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: r, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
`);
  const typed = asVirtualService(vs);
  assert.ok(typed);
  assert.equal(typed.spec.http?.[0].route?.[0].destination.subset, "v1");
  assert.equal(asKubeGateway(vs), undefined);
  assert.equal(asHTTPRoute(vs), undefined);

  const gw = load(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: g, namespace: default}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP}]
`);
  assert.equal(asKubeGateway(gw)?.spec.listeners?.[0].port, 80);
  assert.equal(isKind(gw, "Gateway"), false, "Istio's Gateway is another kind");

  const pod = load(`apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default}
spec: {containers: [{name: app}]}
status: {podIP: 10.0.0.1}
`);
  assert.ok(isKind(pod, "Pod"));
  if (isKind(pod, "Pod")) assert.equal(podStatus(pod).podIP, "10.0.0.1");
});

test("spec-less kinds carry their top-level fields as spec", () => {
  const secret = load(`apiVersion: v1
kind: Secret
metadata: {name: s, namespace: default}
type: kubernetes.io/tls
data: {tls.crt: YQ==}
`);
  assert.equal(asKind(secret, "Secret")?.spec.data?.["tls.crt"], "YQ==");
});
