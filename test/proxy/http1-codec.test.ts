// The HTTP/1.1 codec on raw sockets: keep-alive and pipelining order, 100-continue, HTTP/1.0,
// chunked bodies with extensions and trailers, an ignored h2c upgrade (as Envoy), strict framing
// errors, and request_headers_timeout closing a client that dribbles its headers (slowloris).

import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { serveHttp1 } from "../../src/proxy/http/codec-http1.ts";
import { HeaderMap } from "../../src/proxy/http/headers.ts";
import {
  type Backend,
  curl,
  httpListener,
  startBackend,
  startProxy,
  staticCluster,
  type TestProxy,
} from "./helpers.ts";

/** A raw client connection: write bytes, wait until the received text matches or the peer closes. */
function rawClient(port: number) {
  const s = net.connect(port, "127.0.0.1");
  let text = "";
  let closed = false;
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  s.on("data", (d: Buffer) => {
    text += d.toString("latin1");
    wake();
  });
  s.on("error", () => undefined);
  s.on("close", () => {
    closed = true;
    wake();
  });
  return {
    write: (b: string) => s.write(b),
    end: () => s.end(),
    get closed() {
      return closed;
    },
    /** Resolves with everything received so far once `done` holds (or the peer closed, or 5 s). */
    until(done: (t: string) => boolean): Promise<string> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(text), 5000);
        const check = () => {
          if (done(text) || closed) {
            clearTimeout(timer);
            resolve(text);
          } else waiters.push(check);
        };
        check();
      });
    },
    destroy: () => s.destroy(),
  };
}

const count = (t: string, re: RegExp) => (t.match(re) ?? []).length;

describe("HTTP/1.1 codec", () => {
  let backend: Backend;
  let px: TestProxy;

  before(async () => {
    backend = await startBackend("B", (req, res, body) => {
      // no content-length: the proxy must frame it (chunked for 1.1, close for 1.0)
      if (req.url === "/stream") {
        res.write("part1,");
        res.end("part2");
        return;
      }
      res.setHeader("x-backend", "B");
      res.end(`B ${req.method} ${req.url} ${body.length}:${body.toString()}\n`);
    });
    const routes = {
      name: "r",
      virtual_hosts: [
        {
          name: "all",
          domains: ["*"],
          routes: [{ match: { prefix: "/" }, route: { cluster: "b" } }],
        },
      ],
    };
    px = await startProxy({
      static_resources: {
        listeners: [
          httpListener("h1", routes, {
            request_headers_timeout: "0.3s",
            http_protocol_options: { accept_http_10: true },
          }),
          httpListener("h1-strict", routes),
        ],
        clusters: [staticCluster("b", backend.port)],
      },
    });
  });

  after(async () => {
    await px?.stop();
    await backend?.close();
  });

  test("pipelined requests are answered in order on one connection", async () => {
    const c = rawClient(px.port("h1"));
    c.write(
      "GET /one HTTP/1.1\r\nHost: x\r\n\r\n" +
        "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
        "GET /three HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    const t = await c.until((x) => x.includes("B GET /three 0:"));
    c.destroy();
    const order = [...t.matchAll(/B (\w+) (\/\w+) (\d+):(\w*)\n/g)].map((m) =>
      m.slice(1).join(" "),
    );
    assert.deepEqual(order, ["GET /one 0 ", "POST /two 3 abc", "GET /three 0 "]);
    assert.equal(count(t, /^HTTP\/1\.1 200 OK\r$/gm), 3);
  });

  test("a client that half-closes after pipelined requests gets every answer, then a close", async () => {
    const c = rawClient(px.port("h1"));
    c.write(
      "GET /h1 HTTP/1.1\r\nHost: x\r\n\r\nGET /h2 HTTP/1.1\r\nHost: x\r\n\r\nGET /partial HTTP/1.1\r\n",
    );
    c.end();
    const t = await c.until(() => false);
    assert.ok(c.closed);
    const paths = [...t.matchAll(/B GET (\/\w+) 0:\n/g)].map((m) => m[1]);
    assert.deepEqual(paths, ["/h1", "/h2"]);
  });

  test("100-continue: answered by the proxy, then the body is forwarded", async () => {
    const c = rawClient(px.port("h1"));
    c.write("PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    const interim = await c.until((x) => x.includes("\r\n\r\n"));
    assert.match(interim, /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    c.write("hello");
    const t = await c.until((x) => x.includes("B PUT /up 5:hello"));
    c.destroy();
    assert.match(t, /B PUT \/up 5:hello/);
    assert.equal(backend.seen.at(-1)!.headers.expect, undefined);
  });

  test("HTTP/1.0: close by default, close-delimited body when the length is unknown", async () => {
    const c = rawClient(px.port("h1"));
    c.write("GET /stream HTTP/1.0\r\nHost: x\r\n\r\n");
    const t = await c.until(() => false);
    assert.ok(c.closed);
    assert.match(t, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(t, /\r\nconnection: close\r\n/);
    assert.doesNotMatch(t, /transfer-encoding/i);
    assert.ok(t.endsWith("\r\n\r\npart1,part2"));
  });

  test("HTTP/1.0 keep-alive and HTTP/1.1 chunked framing of an unknown length", async () => {
    const c = rawClient(px.port("h1"));
    c.write("GET /a HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    const first = await c.until((x) => x.includes("B GET /a 0:"));
    assert.match(first, /\r\nconnection: keep-alive\r\n/);
    c.write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    const t = await c.until((x) => x.endsWith("0\r\n\r\n"));
    c.destroy();
    const body = t.slice(t.lastIndexOf("HTTP/1.1 200"));
    assert.match(body, /transfer-encoding: chunked\r\n\r\n(?:[0-9a-f]+\r\n[^\r]*\r\n)+0\r\n\r\n$/);
    const chunks = body
      .split("\r\n\r\n")[1]
      .split("\r\n")
      .filter((_, i) => i % 2 === 1);
    assert.equal(chunks.join(""), "part1,part2");
  });

  test("HTTP/1.0 gets 426 Upgrade Required unless accept_http_10 is set (Envoy's and Istio's default)", async () => {
    const c = rawClient(px.port("h1-strict"));
    const before = backend.seen.length;
    c.write("GET /old HTTP/1.0\r\nHost: x\r\n\r\n");
    const t = await c.until(() => false);
    assert.ok(c.closed);
    assert.match(t, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
    assert.match(t, /\r\nconnection: close\r\n/);
    assert.equal(backend.seen.length, before, "nothing reached the upstream");
  });

  test("HTTP/1.0 without Host is routed with the address the client reached", async () => {
    const c = rawClient(px.port("h1"));
    c.write("GET /old HTTP/1.0\r\n\r\n");
    const t = await c.until(() => false);
    assert.match(t, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(backend.seen.at(-1)!.headers.host, `127.0.0.1:${px.port("h1")}`);
  });

  test("no 100 Continue when the body came with the head", async () => {
    const c = rawClient(px.port("h1"));
    c.write(
      "PUT /eager HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
    );
    const t = await c.until((x) => x.includes("B PUT /eager 2:hi"));
    c.destroy();
    assert.match(t, /^HTTP\/1\.1 200 OK\r\n/);
  });

  test("a #fragment reaches the upstream only where it cannot change the path", async () => {
    for (const [sent, forwarded] of [
      ["/doc.html#top", "/doc.html#top"],
      ["/q?a=1#x/../y", "/q?a=1#x/../y"],
      ["/public#/../admin", "/public"],
    ]) {
      const c = rawClient(px.port("h1"));
      c.write(`GET ${sent} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await c.until((x) => x.includes("\n\r\n") && x.endsWith("\n"));
      c.destroy();
      assert.equal(backend.seen.at(-1)!.url, forwarded);
    }
  });

  test("chunked request with extensions and trailers is forwarded with its body", async () => {
    const c = rawClient(px.port("h1"));
    c.write(
      "POST /chunks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
        '3;name=value;q="a b"\r\nabc\r\n2\r\nde\r\n0\r\nx-trailer: t\r\n\r\n',
    );
    const t = await c.until((x) => x.includes("B POST /chunks"));
    c.destroy();
    assert.match(t, /B POST \/chunks 5:abcde/);
  });

  test("Upgrade: h2c is ignored and served as HTTP/1.1 (as Envoy)", async () => {
    const r = await curl(["--http2", "-i", `http://127.0.0.1:${px.port("h1")}/h2c-upgrade`]);
    assert.match(r.stdout, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(r.stdout, /B GET \/h2c-upgrade 0:/);
    const seen = backend.seen.at(-1)!;
    assert.equal(seen.headers.upgrade, undefined);
    assert.equal(seen.headers["http2-settings"], undefined);
  });

  for (const [name, bytes, status] of [
    ["obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400],
    ["bare LF line end", "GET / HTTP/1.1\nHost: x\n\n", 400],
    ["space before colon", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 1\r\n\r\nx", 400],
    [
      "bad chunk size",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
      400,
    ],
    ["two Host headers", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400],
    ["HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
  ] as const) {
    test(`rejects ${name} with ${status} and closes`, async () => {
      const before = backend.seen.length;
      const c = rawClient(px.port("h1"));
      c.write(bytes);
      const t = await c.until(() => false);
      assert.ok(c.closed);
      assert.match(t, new RegExp(`^HTTP/1\\.1 ${status} `));
      assert.equal(backend.seen.length, before);
    });
  }

  test("codec AUTO: HTTP/2 prior knowledge with the preface split across small writes", async () => {
    const socket = net.connect(px.port("h1"), "127.0.0.1");
    const write = socket.write.bind(socket) as (b: Buffer) => boolean;
    // every write goes out in 5-byte pieces, so the codec sniffing sees a partial preface first
    socket.write = ((d: Buffer | string, ...rest: unknown[]) => {
      const b = Buffer.from(d);
      for (let i = 0; i < b.length; i += 5) write(b.subarray(i, i + 5));
      const cb = rest.find((x) => typeof x === "function") as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof socket.write;
    const session = http2.connect(`http://127.0.0.1:${px.port("h1")}`, {
      createConnection: () => socket,
    });
    session.on("error", () => undefined);
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const req = session.request({ ":path": path });
        let body = "";
        req.on("data", (d: Buffer) => {
          body += d;
        });
        req.on("end", () => resolve(body));
        req.on("error", reject);
      });
    const bodies = await Promise.all([get("/p1"), get("/p2"), get("/p3")]);
    session.close();
    assert.deepEqual(bodies, ["B GET /p1 0:\n", "B GET /p2 0:\n", "B GET /p3 0:\n"]);
  });

  test("request_headers_timeout closes a client that dribbles its headers", async () => {
    const c = rawClient(px.port("h1"));
    c.write("GET /slow HTTP/1.1\r\n");
    // one header line every 100 ms, never the end of the head; bounded at 50 lines
    let lines = 0;
    while (lines < 50 && !c.closed) {
      c.write(`X-Slow-${lines++}: a\r\n`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const t = await c.until(() => false);
    assert.ok(c.closed && lines < 50, "closed while the client was still dribbling");
    assert.match(t, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    const stats = await curl([`http://127.0.0.1:${px.running.adminPort}/stats`]);
    assert.match(stats.stdout, /^http\.h1\.downstream_rq_header_timeout: 1$/m);
  });
});

test("a response body that breaks its Content-Length ends the connection, never spills over", async () => {
  const info = { remoteAddress: "", remotePort: 0, localAddress: "", localPort: 0, tls: false };
  const opts = {
    maxHeaderBytes: 8192,
    maxHeadersCount: 50,
    idleTimeoutMs: 0,
    requestHeadersTimeoutMs: 0,
    acceptHttp10: false,
    defaultHostForHttp10: undefined,
  };
  const server = net.createServer((sock) =>
    serveHttp1(
      sock,
      info,
      {
        onStream: (s) => {
          const h = new HeaderMap();
          h.set("content-length", "2");
          s.sendHeaders(200, h, false, false);
          s.sink.body.write(s.path === "/long" ? "okEXTRA" : "o");
          s.sink.end();
        },
        onUpgrade: () => undefined,
        onProtocolError: () => undefined,
        onHeadersTimeout: () => undefined,
        onIdleTimeout: () => undefined,
        isDraining: () => false,
      },
      opts,
    ),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  for (const path of ["/long", "/short"]) {
    const c = rawClient(port);
    c.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n`);
    const t = await c.until(() => false);
    assert.ok(c.closed, path);
    assert.equal(count(t, /HTTP\/1\.1 200/g), 1, path);
    assert.doesNotMatch(t, /EXTRA/);
  }
  server.close();
});
