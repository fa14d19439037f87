// TLS through the proxy: filter chains chosen by SNI (tls_inspector) with inline and SDS
// certificates next to a plaintext chain, and upstream TLS with an SDS client certificate
// verified by the backend (mTLS), checked with curl and openssl-made certificates.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { TLSSocket } from "node:tls";
import { issueCert, makeCa } from "../helpers/certs.ts";
import { curl, HCM, ROUTER, startProxy, type TestProxy } from "./helpers.ts";

const DTLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const UTLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
const TLS_INSPECTOR =
  "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector";

const dir = mkdtempSync(join(tmpdir(), "mast-tls-"));
const f = (n: string) => join(dir, n);
const read = (n: string) => readFileSync(f(n), "utf8");

const issue = (name: string, san: string) => issueCert(dir, name, san);

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

function chain(serverNames: string[] | undefined, text: string, tls?: Record<string, unknown>) {
  return {
    filter_chain_match: serverNames
      ? { server_names: serverNames, transport_protocol: "tls" }
      : { transport_protocol: "raw_buffer" },
    filters: [
      {
        name: "hcm",
        typed_config: {
          "@type": HCM,
          stat_prefix: text,
          route_config: {
            name: text,
            virtual_hosts: [
              {
                name: "vh",
                domains: ["*"],
                routes: [
                  { match: { prefix: "/up" }, route: { cluster: "tls-backend" } },
                  {
                    match: { prefix: "/" },
                    direct_response: { status: 200, body: { inline_string: text } },
                  },
                ],
              },
            ],
          },
          http_filters: [ROUTER],
        },
      },
    ],
    ...(tls ? { transport_socket: { name: "tls", typed_config: { "@type": DTLS, ...tls } } } : {}),
  };
}

describe("proxy TLS", { skip: hasOpenssl ? false : "openssl is not installed" }, () => {
  let backend: https.Server;
  let px: TestProxy;
  const peers: string[] = [];

  before(async () => {
    makeCa(dir);
    issue("a.test", "DNS:a.test");
    issue("b.test", "DNS:b.test");
    issue("backend.test", "DNS:backend.test");
    issue("client", "URI:spiffe://cluster.local/ns/default/sa/client");
    backend = https.createServer(
      {
        key: read("backend.test.key"),
        cert: read("backend.test.pem"),
        ca: read("ca.pem"),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        peers.push(peer.subjectaltname ?? "");
        res.end(`tls backend saw ${peer.subject?.CN}`);
      },
    );
    await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
    px = await startProxy({
      static_resources: {
        secrets: [
          {
            name: "b-cert",
            tls_certificate: {
              certificate_chain: { filename: f("b.test.pem") },
              private_key: { filename: f("b.test.key") },
            },
          },
          {
            name: "client-cert",
            tls_certificate: {
              certificate_chain: { inline_string: read("client.pem") },
              private_key: { inline_string: read("client.key") },
            },
          },
          { name: "root-ca", validation_context: { trusted_ca: { filename: f("ca.pem") } } },
        ],
        listeners: [
          {
            name: "tls",
            address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
            listener_filters: [
              {
                name: "envoy.filters.listener.tls_inspector",
                typed_config: { "@type": TLS_INSPECTOR },
              },
            ],
            filter_chains: [
              chain(["a.test"], "chain a", {
                common_tls_context: {
                  tls_certificates: [
                    {
                      certificate_chain: { inline_string: read("a.test.pem") },
                      private_key: { inline_string: read("a.test.key") },
                    },
                  ],
                },
              }),
              chain(["b.test"], "chain b", {
                common_tls_context: {
                  tls_certificate_sds_secret_configs: [{ name: "b-cert", sds_config: { ads: {} } }],
                },
              }),
              chain(undefined, "plain"),
            ],
          },
        ],
        clusters: [
          {
            name: "tls-backend",
            type: "STATIC",
            connect_timeout: "1s",
            load_assignment: {
              cluster_name: "tls-backend",
              endpoints: [
                {
                  lb_endpoints: [
                    {
                      endpoint: {
                        address: {
                          socket_address: {
                            address: "127.0.0.1",
                            port_value: (backend.address() as AddressInfo).port,
                          },
                        },
                      },
                    },
                  ],
                },
              ],
            },
            transport_socket: {
              name: "envoy.transport_sockets.tls",
              typed_config: {
                "@type": UTLS,
                sni: "backend.test",
                common_tls_context: {
                  tls_certificate_sds_secret_configs: [
                    { name: "client-cert", sds_config: { ads: {} } },
                  ],
                  combined_validation_context: {
                    default_validation_context: {
                      match_typed_subject_alt_names: [
                        { san_type: "DNS", matcher: { exact: "backend.test" } },
                      ],
                    },
                    validation_context_sds_secret_config: {
                      name: "root-ca",
                      sds_config: { ads: {} },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    });
  });

  after(async () => {
    await px?.stop();
    backend?.close();
  });

  const get = (host: string, path = "/") => {
    const port = px.port("tls");
    return curl([
      "--cacert",
      f("ca.pem"),
      "--resolve",
      `${host}:${port}:127.0.0.1`,
      `https://${host}:${port}${path}`,
    ]);
  };

  test("SNI picks the filter chain; inline and SDS certificates both serve", async () => {
    assert.equal((await get("a.test")).stdout, "chain a");
    assert.equal((await get("b.test")).stdout, "chain b");
    assert.equal((await curl([`http://127.0.0.1:${px.port("tls")}/`])).stdout, "plain");
  });

  test("an unknown SNI matches no chain and the handshake fails", async () => {
    const r = await get("c.test");
    assert.notEqual(r.code, 0);
  });

  test("upstream TLS with an SDS client certificate and SAN-checked server", async () => {
    const r = await get("a.test", "/up");
    assert.equal(r.stdout, "tls backend saw client");
    assert.equal(peers.at(-1), "URI:spiffe://cluster.local/ns/default/sa/client");
  });
});
