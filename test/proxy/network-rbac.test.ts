// envoy.filters.network.rbac through the proxy, configured by the control plane's builder from
// AuthorizationPolicies for a TCP port: on an mTLS chain the client certificate's SPIFFE ID is
// the principal (an allowed service account gets its bytes echoed, another is cut off), and on
// a plaintext chain a DENY by source IP closes the connection before tcp_proxy connects.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import tls from "node:tls";
import type { AuthorizationPolicy } from "../../src/api/types/index.ts";
import { rbacFilters } from "../../src/xds/generators/authz/builder.ts";
import { trustDomainBundle } from "../../src/xds/generators/authz/trust-domain.ts";
import { issueCert, makeCa } from "../helpers/certs.ts";
import { startProxy, staticCluster, type TestProxy } from "./helpers.ts";

const DTLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const TCP_PROXY = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
const dir = mkdtempSync(join(tmpdir(), "mast-nrbac-"));
const f = (n: string) => join(dir, n);
const read = (n: string) => readFileSync(f(n), "utf8");
const issue = (name: string, san: string) => issueCert(dir, name, san);

const ctx = {
  trustDomains: trustDomainBundle("cluster.local", []),
  extensionProviders: [],
  resolveService: () => undefined,
};
const policy = (name: string, spec: AuthorizationPolicy["spec"]) =>
  ({ metadata: { name, namespace: "default" }, spec }) as unknown as AuthorizationPolicy;

let echo: net.Server;
let px: TestProxy;

before(async () => {
  makeCa(dir);
  issue("server", "DNS:tcp-echo.default.svc.cluster.local");
  issue("sleep", "URI:spiffe://cluster.local/ns/default/sa/sleep");
  issue("other", "URI:spiffe://cluster.local/ns/default/sa/other");
  echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
  const echoPort = (echo.address() as net.AddressInfo).port;
  const tcp = {
    name: "tcp",
    typed_config: { "@type": TCP_PROXY, stat_prefix: "echo", cluster: "echo" },
  };
  const allowSleep = rbacFilters(
    [
      policy("allow-sleep", {
        rules: [{ from: [{ source: { principals: ["cluster.local/ns/default/sa/sleep"] } }] }],
      }),
    ],
    true,
    ctx,
  );
  const denyLocal = rbacFilters(
    [
      policy("deny-local", {
        action: "DENY",
        rules: [{ from: [{ source: { ipBlocks: ["127.0.0.0/8"] } }] }],
      }),
    ],
    true,
    ctx,
  );
  const listener = (name: string, chain: Record<string, unknown>) => ({
    name,
    address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
    filter_chains: [chain],
  });
  px = await startProxy({
    static_resources: {
      clusters: [staticCluster("echo", echoPort)],
      listeners: [
        listener("mtls", {
          filters: [...allowSleep, tcp],
          transport_socket: {
            name: "tls",
            typed_config: {
              "@type": DTLS,
              require_client_certificate: true,
              common_tls_context: {
                tls_certificates: [
                  {
                    certificate_chain: { inline_string: read("server.pem") },
                    private_key: { inline_string: read("server.key") },
                  },
                ],
                validation_context: { trusted_ca: { inline_string: read("ca.pem") } },
              },
            },
          },
        }),
        listener("plain", { filters: [...denyLocal, tcp] }),
      ],
    },
  });
});

after(async () => {
  await px.stop();
  echo.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `ping` and collects what comes back until the connection ends. */
function exchange(sock: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    sock.on("data", (d) => {
      got += d;
      if (got === "ping") sock.end();
    });
    sock.on("close", () => resolve(got));
    sock.on("error", () => undefined);
    sock.setTimeout(5000, () => sock.destroy());
  });
}

function viaTls(client: string): Promise<string> {
  const s = tls.connect({
    host: "127.0.0.1",
    port: px.port("mtls"),
    ca: read("ca.pem"),
    cert: read(`${client}.pem`),
    key: read(`${client}.key`),
    servername: "tcp-echo.default.svc.cluster.local",
  });
  s.once("secureConnect", () => s.write("ping"));
  return exchange(s);
}

function stat(name: string): number {
  return px.running.proxy.stats.all().find((s) => s.name === name)?.value ?? 0;
}

test("mTLS: the allowed service account is echoed, another is cut off", async () => {
  assert.equal(await viaTls("sleep"), "ping");
  assert.equal(await viaTls("other"), "");
  assert.equal(stat("tcp.rbac.allowed"), 1);
  assert.equal(stat("tcp.rbac.denied"), 1);
});

test("plaintext: a DENY by source IP closes the connection before tcp_proxy", async () => {
  const s = net.connect(px.port("plain"), "127.0.0.1", () => s.write("ping"));
  assert.equal(await exchange(s), "");
  assert.equal(stat("tcp.rbac.denied"), 2);
});
