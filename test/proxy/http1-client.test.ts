// The upstream HTTP/1.1 client against raw TCP servers: keep-alive reuse, the connection limit,
// response framings (length, chunked with trailers, until close, 1xx first), request framing
// (chunked, Content-Length enforced), and connect failures.

import assert from "node:assert/strict";
import net from "node:net";
import { Readable } from "node:stream";
import { after, test } from "node:test";
import { HeaderMap } from "../../src/proxy/http/headers.ts";
import { Http1Client } from "../../src/proxy/upstream/http1-client.ts";
import type { UpstreamRequest } from "../../src/proxy/upstream/upstream-types.ts";

const servers: net.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A raw server: `answer` gets each connection's received text and writes what it likes. */
async function rawServer(answer: (sock: net.Socket, received: string) => void) {
  const connections: string[] = [];
  const server = net.createServer((sock) => {
    const i = connections.push("") - 1;
    sock.on("data", (d: Buffer) => {
      connections[i] += d.toString("latin1");
      answer(sock, connections[i]);
    });
    sock.on("error", () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as net.AddressInfo).port, connections };
}

function get(path: string, extra: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return {
    method: "GET",
    path,
    authority: "up",
    scheme: "http",
    headers: new HeaderMap(),
    body: null,
    ...extra,
  };
}

async function text(body: Readable): Promise<string> {
  let out = "";
  for await (const c of body) out += c;
  return out;
}

const ok = (body: string) => `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`;

test("keep-alive: requests one after another share one connection", async () => {
  const srv = await rawServer((sock, rx) => {
    if (rx.endsWith("\r\n\r\n")) sock.write(ok(`n${rx.split("GET").length - 1}`));
  });
  const client = new Http1Client("127.0.0.1", srv.port, { connectTimeoutMs: 1000 });
  const bodies: string[] = [];
  for (const p of ["/a", "/b", "/c"]) bodies.push(await text((await client.request(get(p))).body));
  client.close();
  assert.deepEqual(bodies, ["n1", "n2", "n3"]);
  assert.equal(srv.connections.length, 1);
  assert.match(srv.connections[0], /^GET \/a HTTP\/1\.1\r\nhost: up\r\n\r\nGET \/b /);
});

test("the connection limit queues requests instead of opening more", async () => {
  const srv = await rawServer((sock, rx) => {
    if (rx.endsWith("\r\n\r\n")) setTimeout(() => sock.write(ok("x")), 20);
  });
  const client = new Http1Client("127.0.0.1", srv.port, {
    connectTimeoutMs: 1000,
    maxConnections: 1,
  });
  const res = await Promise.all(
    ["/1", "/2", "/3"].map(async (p) => text((await client.request(get(p))).body)),
  );
  client.close();
  assert.deepEqual(res, ["x", "x", "x"]);
  assert.equal(srv.connections.length, 1);
});

test("chunked response with trailers, after a 100 Continue", async () => {
  const srv = await rawServer((sock) => {
    sock.write("HTTP/1.1 100 Continue\r\n\r\n");
    sock.write(
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\ngrpc-status: 0\r\n\r\n",
    );
  });
  const client = new Http1Client("127.0.0.1", srv.port, { connectTimeoutMs: 1000 });
  const res = await client.request(get("/t"));
  assert.equal(res.status, 200);
  assert.equal(await text(res.body), "abcde");
  assert.equal((await res.trailers)?.get("grpc-status"), "0");
  client.close();
});

test("a response with both framings is read as chunked and loses its Content-Length", async () => {
  const srv = await rawServer((sock) =>
    sock.write(
      "HTTP/1.1 200 OK\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    ),
  );
  const client = new Http1Client("127.0.0.1", srv.port, { connectTimeoutMs: 1000 });
  const res = await client.request(get("/both"));
  assert.equal(res.headers.get("content-length"), undefined);
  assert.equal(await text(res.body), "ok");
  client.close();
});

test("a body without length ends when the upstream closes", async () => {
  const srv = await rawServer((sock) => sock.end("HTTP/1.1 200 OK\r\n\r\nuntil-close"));
  const client = new Http1Client("127.0.0.1", srv.port, { connectTimeoutMs: 1000 });
  const res = await client.request(get("/c"));
  assert.equal(await text(res.body), "until-close");
  client.close();
});

test("request bodies: chunked when the length is unknown, Content-Length enforced", async () => {
  const srv = await rawServer((sock, rx) => {
    if (rx.endsWith("0\r\n\r\n") || /content-length: 2\r\n\r\nhi$/.test(rx)) sock.write(ok("ok"));
  });
  const client = new Http1Client("127.0.0.1", srv.port, { connectTimeoutMs: 1000 });
  const chunked = await client.request(
    get("/up", { method: "POST", body: Readable.from([Buffer.from("ab"), Buffer.from("c")]) }),
  );
  assert.equal(await text(chunked.body), "ok");
  assert.match(
    srv.connections[0],
    /transfer-encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n$/,
  );
  const h = new HeaderMap();
  h.set("content-length", "2");
  const tooLong = client.request(
    get("/up", { method: "POST", headers: h, body: Readable.from([Buffer.from("hi!!")]) }),
  );
  await assert.rejects(tooLong, /longer than its content-length/);
  // nothing past the announced length reached the upstream
  assert.ok(srv.connections.every((c) => !c.includes("hi!")));
  client.close();
});

test("header values that would split the request are refused before anything is sent", async () => {
  const srv = await rawServer((sock) => sock.write(ok("x")));
  const client = new Http1Client("127.0.0.1", srv.port, { connectTimeoutMs: 1000 });
  const h = new HeaderMap();
  h.set("x-evil", "a\r\nGET /smuggled HTTP/1.1");
  await assert.rejects(client.request(get("/x", { headers: h })), /invalid header/);
  await assert.rejects(client.request(get("/x y")), /invalid request target/);
  client.close();
  assert.equal(srv.connections.length, 0);
});

test("text beyond Latin-1 goes out as its UTF-8 bytes, never truncated to a line break", async () => {
  const srv = await rawServer((sock, rx) => {
    if (rx.endsWith("\r\n\r\n")) sock.write(ok("x"));
  });
  const client = new Http1Client("127.0.0.1", srv.port, { connectTimeoutMs: 1000 });
  const h = new HeaderMap();
  h.set("x-name", "\u010aü");
  await text((await client.request(get("/u", { headers: h }))).body);
  client.close();
  const raw = Buffer.from(srv.connections[0], "latin1");
  assert.ok(raw.includes(Buffer.from("x-name: \u010aü\r\n", "utf8")));
});

test("a refused connection fails with the socket error", async () => {
  const srv = await rawServer(() => undefined);
  const port = srv.port;
  servers.pop()!.close();
  await new Promise((r) => setTimeout(r, 10));
  const client = new Http1Client("127.0.0.1", port, { connectTimeoutMs: 1000 });
  await assert.rejects(client.request(get("/x")), { code: "ECONNREFUSED" });
});
