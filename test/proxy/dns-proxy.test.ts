// The sidecar's DNS proxy on loopback: mesh names from a NameTable (short, name.ns, FQDN, A and
// AAAA), NXDOMAIN for unknown names in the cluster domain, other names forwarded to an upstream
// resolver (a real UDP server in the test), over UDP and TCP.

import assert from "node:assert/strict";
import dgram from "node:dgram";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import {
  buildAnswer,
  buildQuery,
  parseQuery,
  RCODE_NXDOMAIN,
  TYPE_A,
  TYPE_AAAA,
} from "../../src/proxy/dns/dns-message.ts";
import { DnsProxy, resolvConfServers } from "../../src/proxy/dns/dns-proxy.ts";

const TABLE = {
  table: {
    "reviews.default.svc.cluster.local": {
      ips: ["240.240.1.2", "fd00::1:2"],
      registry: "Kubernetes",
      shortname: "reviews",
      namespace: "default",
    },
    "ratings.prod.svc.cluster.local": {
      ips: ["240.240.3.4"],
      registry: "Kubernetes",
      shortname: "ratings",
      namespace: "prod",
    },
    "api.example.com": { ips: ["240.240.9.9"], registry: "External" },
  },
};

/** rcode and the A/AAAA addresses of a reply. */
function decode(msg: Buffer): { id: number; rcode: number; ips: string[] } {
  const q = parseQuery(Buffer.concat([msg.subarray(0, 2), Buffer.from([1, 0]), msg.subarray(4)]))!;
  const ips: string[] = [];
  let i = q.end;
  for (let n = 0; n < msg.readUInt16BE(6); n++) {
    const type = msg.readUInt16BE(i + 2);
    const len = msg.readUInt16BE(i + 10);
    const data = msg.subarray(i + 12, i + 12 + len);
    if (type === TYPE_A) ips.push([...data].join("."));
    if (type === TYPE_AAAA) {
      const groups: string[] = [];
      for (let g = 0; g < 8; g++) groups.push(data.readUInt16BE(g * 2).toString(16));
      ips.push(new net.SocketAddress({ address: groups.join(":"), family: "ipv6" }).address);
    }
    i += 12 + len;
  }
  return { id: msg.readUInt16BE(0), rcode: msg.readUInt16BE(2) & 0xf, ips };
}

describe("DNS proxy", () => {
  let upstream: dgram.Socket;
  let dns: DnsProxy;
  let port = 0;
  const upstreamSaw: string[] = [];

  before(async () => {
    upstream = dgram.createSocket("udp4");
    upstream.on("message", (msg, r) => {
      const q = parseQuery(msg)!;
      upstreamSaw.push(q.name);
      upstream.send(buildAnswer(msg, q, ["192.0.2.7"]), r.port, r.address);
    });
    await new Promise<void>((r) => upstream.bind(0, "127.0.0.1", r));
    dns = new DnsProxy({
      host: "127.0.0.1",
      port: 0,
      upstreams: [`127.0.0.1:${upstream.address().port}`],
      namespace: "default",
      domain: "cluster.local",
    });
    dns.setTable(TABLE);
    port = (await dns.start()).port;
  });

  after(() => {
    dns.close();
    upstream.close();
  });

  function udpAsk(name: string, type = TYPE_A, id = 7): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket("udp4");
      const timer = setTimeout(() => {
        s.close();
        reject(new Error(`no answer for ${name}`));
      }, 3_000);
      s.on("message", (m) => {
        clearTimeout(timer);
        s.close();
        resolve(m);
      });
      s.send(buildQuery(id, name, type), port, "127.0.0.1");
    });
  }

  test("answers mesh names: short name in its namespace, name.ns, FQDN, ServiceEntry hosts", async () => {
    for (const name of [
      "reviews",
      "reviews.default",
      "reviews.default.svc",
      "reviews.default.svc.cluster.local",
    ]) {
      const r = decode(await udpAsk(name));
      assert.deepEqual(r, { id: 7, rcode: 0, ips: ["240.240.1.2"] }, name);
    }
    assert.deepEqual(decode(await udpAsk("ratings.prod")).ips, ["240.240.3.4"]);
    assert.deepEqual(decode(await udpAsk("api.example.com")).ips, ["240.240.9.9"]);
    assert.deepEqual(decode(await udpAsk("reviews", TYPE_AAAA)).ips, ["fd00::1:2"]);
    assert.deepEqual(upstreamSaw, []);
  });

  test("a short name of another namespace is not a mesh name; unknown cluster names are NXDOMAIN", async () => {
    const r = decode(await udpAsk("nope.default.svc.cluster.local"));
    assert.equal(r.rcode, RCODE_NXDOMAIN);
    assert.deepEqual(upstreamSaw, []);
    await udpAsk("ratings");
    assert.deepEqual(upstreamSaw, ["ratings"]);
  });

  test("other names are forwarded to the upstream resolver", async () => {
    const r = decode(await udpAsk("www.example.org", TYPE_A, 4242));
    assert.deepEqual(r, { id: 4242, rcode: 0, ips: ["192.0.2.7"] });
    assert.ok(upstreamSaw.includes("www.example.org"));
  });

  test("DNS over TCP: length-prefixed queries on one connection", async () => {
    const s = net.connect(port, "127.0.0.1");
    const replies: Buffer[] = [];
    let buf = Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      s.on("error", reject);
      s.on("data", (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          replies.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (replies.length === 2) resolve();
      });
      for (const [id, name] of [
        [1, "reviews"],
        [2, "ratings.prod.svc.cluster.local"],
      ] as const) {
        const q = buildQuery(id, name, TYPE_A);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(q.length);
        s.write(Buffer.concat([len, q]));
      }
    });
    s.destroy();
    const byId = new Map(replies.map((m) => [decode(m).id, decode(m).ips]));
    assert.deepEqual(byId.get(1), ["240.240.1.2"]);
    assert.deepEqual(byId.get(2), ["240.240.3.4"]);
  });

  test("resolv.conf nameservers are the upstreams", () => {
    assert.deepEqual(
      resolvConfServers(
        "# c\nnameserver 10.0.0.2\nsearch a.b\nnameserver fe80::1%eth0\nnameserver bad\n",
      ),
      ["10.0.0.2", "fe80::1%eth0"],
    );
  });
});
