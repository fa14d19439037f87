// Protocols end to end through the proxy with real clients: curl over h2c prior knowledge, a gRPC
// client (unary and bidi streaming; status, trailers and metadata intact), a WebSocket echo, and
// a raw TCP echo through tcp_proxy.

import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { WebSocket, WebSocketServer } from "ws";
import {
  type Backend,
  curl,
  httpListener,
  startBackend,
  startProxy,
  staticCluster,
  type TestProxy,
} from "./helpers.ts";

/** The generic client for ECHO, typed: makeGenericClientConstructor adds methods by name. */
type EchoClient = grpc.Client & {
  Unary(
    req: Buffer,
    md: grpc.Metadata,
    cb: (e: grpc.ServiceError | null, r: Buffer) => void,
  ): grpc.ClientUnaryCall;
  Unary(req: Buffer, cb: (e: grpc.ServiceError | null, r: Buffer) => void): grpc.ClientUnaryCall;
  Bidi(): grpc.ClientDuplexStream<Buffer, Buffer>;
};

const TCP_PROXY = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const ECHO = {
  Unary: {
    path: "/test.Echo/Unary",
    requestStream: false,
    responseStream: false,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  },
  Bidi: {
    path: "/test.Echo/Bidi",
    requestStream: true,
    responseStream: true,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  },
} satisfies grpc.ServiceDefinition;

function tcpListener(name: string, cluster: string) {
  return {
    name,
    address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
    filter_chains: [
      {
        filters: [
          { name: "tcp", typed_config: { "@type": TCP_PROXY, stat_prefix: name, cluster } },
        ],
      },
    ],
  };
}

describe("proxy protocols", () => {
  let h1: Backend;
  let grpcServer: grpc.Server;
  let grpcPort: number;
  let wss: WebSocketServer;
  let tcpEcho: net.Server;
  let tcpSource: net.Server;
  let px: TestProxy;

  before(async () => {
    h1 = await startBackend("H1");
    grpcServer = new grpc.Server();
    grpcServer.addService(ECHO, {
      Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const md = new grpc.Metadata();
        md.set("x-initial", String(call.metadata.get("x-client")[0] ?? ""));
        call.sendMetadata(md);
        if (call.request.toString() === "fail")
          return cb({ code: grpc.status.NOT_FOUND, details: "no such thing" });
        const trailer = new grpc.Metadata();
        trailer.set("x-trailer", "t1");
        cb(null, Buffer.concat([Buffer.from("echo:"), call.request]), trailer);
      },
      Bidi: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on("data", (d: Buffer) => call.write(Buffer.concat([Buffer.from(">"), d])));
        call.on("end", () => {
          const t = new grpc.Metadata();
          t.set("x-done", "yes");
          call.end(t);
        });
      },
    });
    grpcPort = await new Promise<number>((res, rej) =>
      grpcServer.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? rej(e) : res(p),
      ),
    );
    wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    wss.on("connection", (s) =>
      s.on("message", (m, isBinary) => s.send(isBinary ? m : `echo ${m}`)),
    );
    await new Promise((r) => wss.once("listening", r));
    tcpEcho = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => tcpEcho.listen(0, "127.0.0.1", r));
    // writes 8 MiB of a counting pattern, then closes its side
    tcpSource = net.createServer((s) => {
      for (let i = 0; i < 128; i++) s.write(Buffer.alloc(64 * 1024, i));
      s.end();
    });
    await new Promise<void>((r) => tcpSource.listen(0, "127.0.0.1", r));
    const h2opts = {
      typed_extension_protocol_options: {
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
          "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
    };
    const routes = {
      name: "r",
      virtual_hosts: [
        {
          name: "vh",
          domains: ["*"],
          routes: [
            { match: { prefix: "/test.Echo/" }, route: { cluster: "grpc", timeout: "0s" } },
            { match: { prefix: "/ws" }, route: { cluster: "ws" } },
            { match: { prefix: "/" }, route: { cluster: "h1" } },
          ],
        },
      ],
    };
    px = await startProxy({
      static_resources: {
        listeners: [
          httpListener("http", routes, { upgrade_configs: [{ upgrade_type: "websocket" }] }),
          tcpListener("tcp", "echo"),
          tcpListener("tcp-source", "source"),
        ],
        clusters: [
          staticCluster("h1", h1.port),
          staticCluster("grpc", grpcPort, h2opts),
          staticCluster("ws", (wss.address() as net.AddressInfo).port),
          staticCluster("echo", (tcpEcho.address() as net.AddressInfo).port),
          staticCluster("source", (tcpSource.address() as net.AddressInfo).port),
        ],
      },
    });
  });

  after(async () => {
    await px?.stop();
    await h1?.close();
    grpcServer?.forceShutdown();
    wss?.close();
    tcpEcho?.close();
    tcpSource?.close();
  });

  test("curl h2c prior knowledge to an HTTP/1.1 upstream", async () => {
    const r = await curl([
      "--http2-prior-knowledge",
      "-s",
      "-w",
      " %{http_version}",
      `http://127.0.0.1:${px.port("http")}/h2?q=1`,
    ]);
    assert.equal(r.stdout, "H1 GET /h2?q=1 2");
    assert.equal(h1.seen.at(-1)!.headers.host, `127.0.0.1:${px.port("http")}`);
  });

  test("gRPC unary: response, status, initial metadata and trailers intact", async () => {
    const Client = grpc.makeGenericClientConstructor(ECHO, "Echo");
    const client = new Client(
      `127.0.0.1:${px.port("http")}`,
      grpc.credentials.createInsecure(),
    ) as unknown as EchoClient;
    try {
      const md = new grpc.Metadata();
      md.set("x-client", "c1");
      let initial: grpc.Metadata | undefined;
      let trailers: grpc.Metadata | undefined;
      const res = await new Promise<Buffer>((resolve, reject) => {
        const call = client.Unary(Buffer.from("hi"), md, (e: Error | null, r: Buffer) =>
          e ? reject(e) : resolve(r),
        );
        call.on("metadata", (m: grpc.Metadata) => {
          initial = m;
        });
        call.on("status", (s: grpc.StatusObject) => {
          trailers = s.metadata;
        });
      });
      assert.equal(res.toString(), "echo:hi");
      assert.equal(initial?.get("x-initial")[0], "c1");
      await new Promise((r) => setTimeout(r, 10));
      assert.equal(trailers?.get("x-trailer")[0], "t1");
      const err = await new Promise<grpc.ServiceError>((resolve) =>
        client.Unary(Buffer.from("fail"), (e) => resolve(e!)),
      );
      assert.equal(err.code, grpc.status.NOT_FOUND);
      assert.equal(err.details, "no such thing");
    } finally {
      client.close();
    }
  });

  test("gRPC bidi streaming both ways", async () => {
    const Client = grpc.makeGenericClientConstructor(ECHO, "Echo");
    const client = new Client(
      `127.0.0.1:${px.port("http")}`,
      grpc.credentials.createInsecure(),
    ) as unknown as EchoClient;
    try {
      const call = client.Bidi();
      const got: string[] = [];
      const status = new Promise<grpc.StatusObject>((r) => call.on("status", r));
      call.on("data", (d: Buffer) => {
        got.push(d.toString());
        if (got.length < 5) call.write(Buffer.from(`m${got.length}`));
        else call.end();
      });
      call.write(Buffer.from("m0"));
      const s = await status;
      assert.equal(s.code, grpc.status.OK);
      assert.deepEqual(got, [">m0", ">m1", ">m2", ">m3", ">m4"]);
      assert.equal(s.metadata.get("x-done")[0], "yes");
    } finally {
      client.close();
    }
  });

  test("clients that vanish mid-response (h2 sessions destroyed with streams in flight) leave the proxy serving", async () => {
    const frame = Buffer.from([0, 0, 0, 0, 2, 0x68, 0x69]); // gRPC message "hi"
    for (let round = 0; round < 5; round++) {
      const session = http2.connect(`http://127.0.0.1:${px.port("http")}`);
      session.on("error", () => undefined);
      const first = new Promise<void>((resolve) => {
        for (let i = 0; i < 50; i++) {
          const st = session.request({
            ":method": "POST",
            ":path": "/test.Echo/Unary",
            "content-type": "application/grpc",
            te: "trailers",
          });
          st.on("error", () => undefined);
          st.once("response", () => resolve());
          st.end(frame);
        }
      });
      await first;
      session.destroy();
    }
    const r = await curl(["-s", `http://127.0.0.1:${px.port("http")}/after`]);
    assert.equal(r.stdout, "H1 GET /after");
  });

  test("WebSocket echo through an upgrade", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${px.port("http")}/ws`);
    await new Promise((r, j) => {
      ws.once("open", r);
      ws.once("error", j);
    });
    const replies: string[] = [];
    const done = new Promise<void>((r) =>
      ws.on("message", (m) => {
        replies.push(String(m));
        if (replies.length === 3) r();
      }),
    );
    for (const m of ["a", "b", "c"]) ws.send(m);
    await done;
    ws.close();
    assert.deepEqual(replies, ["echo a", "echo b", "echo c"]);
  });

  test("raw TCP echo through tcp_proxy", async () => {
    const s = net.connect(px.port("tcp"), "127.0.0.1");
    const chunks: Buffer[] = [];
    const payload = Buffer.alloc(256 * 1024, 7);
    const done = new Promise<void>((r) =>
      s.on("data", (d: Buffer) => {
        chunks.push(d);
        if (Buffer.concat(chunks).length >= payload.length) r();
      }),
    );
    s.write(payload);
    await done;
    s.destroy();
    assert.ok(Buffer.concat(chunks).equals(payload));
  });

  test("tcp_proxy streams 8 MiB to a client that stalls and reads slowly, then passes the close on", async () => {
    const s = net.connect(px.port("tcp-source"), "127.0.0.1");
    s.pause();
    await new Promise((r) => setTimeout(r, 100));
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((r) => s.once("end", r));
    // read in small steps so the proxy's writes to this client go partial and it must wait
    let reads = 0;
    s.on("readable", () => {
      for (let c = s.read(16 * 1024); c !== null; c = s.read(16 * 1024)) chunks.push(c);
      if (++reads % 8 === 0) {
        s.pause();
        setTimeout(() => s.resume(), 1);
      }
    });
    await ended;
    s.destroy();
    const got = Buffer.concat(chunks);
    assert.equal(got.length, 128 * 64 * 1024);
    for (let i = 0; i < 128; i++) {
      const block = got.subarray(i * 65536, (i + 1) * 65536);
      assert.ok(
        block.every((b) => b === i % 256),
        `block ${i} intact`,
      );
    }
  });
});
