// Transparent capture through the proxy, in two network namespaces the test creates: Istio's
// iptables rules send the client's connections to a proxy (uid 1337) on 15001 and the server's
// inbound ones to a proxy on 15006. Covers use_original_dst hand-off to the per-port listener,
// passthrough to an ORIGINAL_DST cluster, the original_dst listener filter with filter-chain match
// on the destination port, upstream_bind_config, x-envoy-original-dst-host, and IPv6.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { installCapture } from "../../src/runtime/istio-iptables.ts";
import { addNetns, addVeth } from "../../src/runtime/netns.ts";
import {
  cleanup,
  netnsSkip,
  nsCurl,
  sharedTempDir,
  startNsNode,
  startNsProxy,
  uniqueNetns,
} from "../helpers/netns.ts";
import type { Started } from "../helpers/process.ts";
import { HCM, ROUTER } from "./helpers.ts";

const TCP_PROXY = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
const ORIGINAL_DST_FILTER = {
  name: "envoy.filters.listener.original_dst",
  typed_config: {
    "@type": "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst",
  },
};
const CLIENT_IP = "198.18.0.1";
const SERVER_IP = "198.18.0.2";
const SERVER_IP6 = "fd00:6d61:7374::2";

const sa = (address: string, port_value: number) => ({ socket_address: { address, port_value } });

function tcpProxy(cluster: string) {
  return {
    name: "envoy.filters.network.tcp_proxy",
    typed_config: { "@type": TCP_PROXY, stat_prefix: cluster, cluster },
  };
}

function hcm(name: string, routes: object[], header: string) {
  return {
    name: "envoy.filters.network.http_connection_manager",
    typed_config: {
      "@type": HCM,
      stat_prefix: name,
      http_filters: [ROUTER],
      route_config: {
        name,
        response_headers_to_add: [{ header: { key: header, value: name } }],
        virtual_hosts: [{ name, domains: ["*"], routes }],
      },
    },
  };
}

function originalDstCluster(name: string, extra: object = {}) {
  return {
    name,
    type: "ORIGINAL_DST",
    lb_policy: "CLUSTER_PROVIDED",
    connect_timeout: "2s",
    ...extra,
  };
}

const admin = { address: sa("127.0.0.1", 15000) };

/** The client side: Istio's outbound listeners, as pilot generates them for captured sidecars. */
const outboundBootstrap = {
  admin,
  static_resources: {
    listeners: [
      {
        name: "virtualOutbound",
        address: sa("::", 15001),
        use_original_dst: true,
        filter_chains: [{ filters: [tcpProxy("PassthroughCluster")] }],
      },
      {
        name: "0.0.0.0_8080",
        address: sa("0.0.0.0", 8080),
        bind_to_port: false,
        filter_chains: [
          {
            filters: [
              hcm(
                "0.0.0.0_8080",
                [
                  {
                    match: { prefix: "/by-header" },
                    route: { cluster: "header-dst" },
                  },
                  { match: { prefix: "/" }, route: { cluster: "PassthroughCluster" } },
                ],
                "x-outbound",
              ),
            ],
          },
        ],
      },
    ],
    clusters: [
      originalDstCluster("PassthroughCluster"),
      originalDstCluster("header-dst", { original_dst_lb_config: { use_http_header: true } }),
    ],
  },
};

/** The server side: virtualInbound with a chain per served port and a passthrough chain. */
const bindInbound = {
  upstream_bind_config: {
    source_address: { address: "127.0.0.6", port_value: 0 },
    extra_source_addresses: [{ address: { address: "::6", port_value: 0 } }],
  },
};

const inboundBootstrap = {
  admin,
  static_resources: {
    listeners: [
      {
        name: "virtualInbound",
        address: sa("::", 15006),
        listener_filters: [ORIGINAL_DST_FILTER],
        filter_chains: [
          {
            filter_chain_match: { destination_port: 8080 },
            filters: [
              hcm(
                "inbound|8080||",
                [{ match: { prefix: "/" }, route: { cluster: "inbound|8080||" } }],
                "x-inbound",
              ),
            ],
          },
          {
            filter_chain_match: { prefix_ranges: [{ address_prefix: "0.0.0.0", prefix_len: 0 }] },
            filters: [tcpProxy("InboundPassthroughCluster")],
          },
        ],
      },
    ],
    clusters: [
      originalDstCluster("inbound|8080||", bindInbound),
      originalDstCluster("InboundPassthroughCluster", bindInbound),
    ],
  },
};

// Answers with the port it was reached on and the peer it saw.
const SERVERS = `
const http = require("node:http");
for (const port of [8080, 9000]) {
  http.createServer((req, res) => res.end(JSON.stringify({
    port, remote: req.socket.remoteAddress, headers: req.headers,
  }))).listen(port, "::");
}
setTimeout(() => console.log("ready"), 100);
`;

interface Reply {
  status: number;
  headers: Map<string, string>;
  body: { port: number; remote: string; headers: Record<string, string> };
}

describe("transparent capture (SO_ORIGINAL_DST)", { skip: netnsSkip() }, () => {
  const client = uniqueNetns("c");
  const server = uniqueNetns("s");
  const dir = sharedTempDir("mast-odst-");
  const procs: (Started | undefined)[] = [];

  async function get(url: string, args: string[] = []): Promise<Reply> {
    const r = await nsCurl(client, ["-i", "-g", ...args, url]);
    assert.equal(r.code, 0, `curl ${url}: ${r.stderr}`);
    const [head, body] = r.stdout.split("\r\n\r\n");
    const lines = head!.split("\r\n");
    const headers = new Map(
      lines
        .slice(1)
        .map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
    );
    return { status: Number(lines[0]!.split(" ")[1]), headers, body: JSON.parse(body!) };
  }

  before(async () => {
    addNetns(client, { "net.ipv4.tcp_tw_reuse": "1" });
    addNetns(server);
    addVeth(
      { name: "c0", ns: client, cidrs: [`${CLIENT_IP}/24`, "fd00:6d61:7374::1/64"] },
      { name: "s0", ns: server, cidrs: [`${SERVER_IP}/24`, `${SERVER_IP6}/64`] },
    );
    installCapture(client);
    installCapture(server);
    procs.push(await startNsNode(server, SERVERS));
    procs.push(await startNsProxy(client, dir, outboundBootstrap));
    procs.push(await startNsProxy(server, dir, inboundBootstrap));
  });

  after(() => cleanup(procs, [client, server], dir));

  test("an HTTP call crosses both proxies: hand-off to 0.0.0.0_8080, inbound chain by port", async () => {
    const r = await get(`http://${SERVER_IP}:8080/hello`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-outbound"), "0.0.0.0_8080");
    assert.equal(r.headers.get("x-inbound"), "inbound|8080||");
    assert.equal(r.body.port, 8080);
    // the inbound cluster binds 127.0.0.6, which the iptables rules leave uncaptured
    assert.equal(r.body.remote, "::ffff:127.0.0.6");
  });

  test("a port without a listener passes through virtualOutbound and InboundPassthroughCluster", async () => {
    const r = await get(`http://${SERVER_IP}:9000/other`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-outbound"), undefined);
    assert.equal(r.headers.get("x-inbound"), undefined);
    assert.equal(r.body.port, 9000);
    assert.equal(r.body.remote, "::ffff:127.0.0.6");
  });

  test("x-envoy-original-dst-host picks the host when the cluster says use_http_header", async () => {
    const r = await get(`http://${SERVER_IP}:8080/by-header`, [
      "-H",
      `x-envoy-original-dst-host: ${SERVER_IP}:9000`,
    ]);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-outbound"), "0.0.0.0_8080");
    assert.equal(r.body.port, 9000);
  });

  test("IPv6: the original destination comes from IP6T_SO_ORIGINAL_DST", async () => {
    const r = await get(`http://[${SERVER_IP6}]:8080/v6`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-outbound"), "0.0.0.0_8080");
    assert.equal(r.headers.get("x-inbound"), "inbound|8080||");
    assert.equal(r.body.remote, "::6");
  });

  test("the proxies saw the connections: PassthroughCluster stats on the client side", async () => {
    const r = await nsCurl(client, ["http://127.0.0.1:15000/stats?filter=PassthroughCluster"]);
    const m = /cluster\.PassthroughCluster\.upstream_cx_total: (\d+)/.exec(r.stdout);
    assert.ok(m && Number(m[1]) >= 1, r.stdout);
  });
});
