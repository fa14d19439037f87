// mast load against real loopback servers: request counts, open-loop schedule, results.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import {
  createServer as createH2Server,
  type Http2Server,
  type ServerHttp2Stream,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { parseLoadOptions, type RawLoadFlags } from "../../src/loadgen/options.ts";
import { runLoad } from "../../src/loadgen/run.ts";
import { MAST_BIN } from "../helpers/paths.ts";

const BODY = Buffer.alloc(1024, "x");

function listen(server: Server | Http2Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

function close(server: Server | Http2Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("mast load against real servers", () => {
  let port = 0;
  let requests = 0;
  let connections = 0;
  const http1 = createServer((req, res) => {
    requests++;
    if (req.url === "/hang") return;
    if (req.url === "/slow") {
      setTimeout(() => res.writeHead(200, { "content-length": BODY.length }).end(BODY), 20);
      return;
    }
    if (req.url === "/flaky" && requests % 2 === 0) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { "content-length": BODY.length }).end(BODY);
  });
  http1.on("connection", () => connections++);

  before(async () => {
    port = await listen(http1);
  });
  after(async () => {
    http1.closeAllConnections();
    await close(http1);
  });

  const load = (path: string, flags: RawLoadFlags) =>
    runLoad(parseLoadOptions(`http://127.0.0.1:${port}${path}`, flags));

  it("sends exactly -n requests at maximum rate and counts bytes", async () => {
    requests = 0;
    const r = await load("/", { qps: "0", requests: "50", connections: "4", warmup: false });
    assert.equal(r.intended, 50);
    assert.equal(r.completed, 50);
    assert.equal(r.ok, 50);
    assert.equal(requests, 50);
    assert.deepEqual(r.codes, { "200": 50 });
    assert.equal(r.bytesReceived, 50 * 1024);
    assert.equal(r.latency.count, 50);
  });

  it("plans qps x duration requests and sends only what came due before the deadline", async () => {
    requests = 0;
    const r = await load("/", { qps: "400", duration: "250ms", connections: "2", warmup: false });
    assert.equal(r.intended, 100);
    assert.ok(r.sent <= r.intended, `sent ${r.sent}`);
    assert.equal(r.completed, r.sent);
    assert.equal(requests, r.sent);
    assert.equal(r.errors, 0);
    assert.equal(r.sendLag.count, r.sent);
  });

  it("keeps the open-loop schedule when the server is slow (no coordinated omission)", async () => {
    requests = 0;
    // 20 requests due within 100 ms, one connection, each answer takes at least 20 ms: a closed
    // loop would send fewer in the same time; the open loop queues them and counts the wait
    const r = await load("/slow", { qps: "200", requests: "20", connections: "1", warmup: false });
    assert.equal(r.intended, 20);
    assert.equal(r.sent, 20);
    assert.equal(r.ok, 20);
    assert.equal(requests, 20);
    // the last request was due at 95 ms and finished after 20 x 20 ms: its latency includes the queue
    assert.ok(r.latency.maxMs >= 200, `max latency ${r.latency.maxMs} ms`);
    assert.ok(r.sendLag.maxMs >= 150, `max send lag ${r.sendLag.maxMs} ms`);
  });

  it("counts non-2xx answers as errors", async () => {
    requests = 0;
    const r = await load("/flaky", { qps: "0", requests: "40", connections: "1" });
    assert.equal(r.completed, 40);
    assert.equal(r.errors, 20);
    assert.deepEqual(r.errorKinds, { status: 20 });
    assert.deepEqual(r.codes, { "200": 20, "503": 20 });
  });

  it("opens a connection per request without keep-alive", async () => {
    connections = 0;
    const r = await load("/", {
      qps: "0",
      requests: "20",
      connections: "2",
      keepalive: false,
      warmup: false,
    });
    assert.equal(r.ok, 20);
    assert.equal(connections, 20);
  });

  it("warms each connection with one uncounted request, then reuses it", async () => {
    requests = 0;
    connections = 0;
    const r = await load("/", { qps: "500", requests: "30", connections: "3" });
    assert.equal(r.completed, 30);
    assert.equal(requests, 33);
    assert.equal(connections, 3);
  });

  it("times out requests that get no answer", async () => {
    const r = await load("/hang", { qps: "0", requests: "2", connections: "2", timeout: "200ms" });
    assert.equal(r.completed, 2);
    assert.deepEqual(r.errorKinds, { timeout: 2 });
  });

  it("counts refused connections as connect errors", async () => {
    const spare = createServer();
    const sparePort = await listen(spare);
    await close(spare);
    const r = await runLoad(
      parseLoadOptions(`http://127.0.0.1:${sparePort}/`, {
        qps: "0",
        requests: "5",
        connections: "1",
      }),
    );
    assert.equal(r.completed, 5);
    assert.equal(r.errors, 5);
    assert.deepEqual(r.errorKinds, { connect: 5 });
  });

  it("prints the JSON report with fortio's flag spellings", async () => {
    const { stdout } = await promisify(execFile)(MAST_BIN, [
      "load",
      "-qps",
      "200",
      "-n",
      "20",
      "-c",
      "2",
      "-o",
      "json",
      `http://127.0.0.1:${port}/`,
    ]);
    const r = JSON.parse(stdout) as Record<string, unknown> & {
      latency: { percentilesMs: Record<string, number> };
    };
    for (const key of [
      "intended",
      "sent",
      "completed",
      "ok",
      "errors",
      "codes",
      "actualQps",
      "latency",
      "sendLag",
      "histogram",
    ]) {
      assert.ok(key in r, `missing ${key}`);
    }
    assert.equal(r.completed, 20);
    assert.deepEqual(Object.keys(r.latency.percentilesMs), ["50", "90", "99", "99.9"]);
    assert.ok(Array.isArray(r.histogram) && r.histogram.length > 0);
  });

  it("exits 2 on a bad flag, naming it", async () => {
    const err = await promisify(execFile)(MAST_BIN, [
      "load",
      "-qps",
      "fast",
      "http://127.0.0.1:1/",
    ]).catch((e: { code: number; stderr: string }) => e);
    assert.equal((err as { code: number }).code, 2);
    assert.match((err as { stderr: string }).stderr, /-qps: "fast"/);
  });
});

describe("mast load over HTTP/2 and gRPC", () => {
  it("multiplexes streams over the given number of connections", async () => {
    let sessions = 0;
    let streams = 0;
    const h2 = createH2Server();
    h2.on("session", () => sessions++);
    h2.on("stream", (stream: ServerHttp2Stream) => {
      streams++;
      stream.respond({ ":status": 200 });
      stream.end(BODY);
    });
    const port = await listen(h2);
    try {
      const r = await runLoad(
        parseLoadOptions(`http://127.0.0.1:${port}/`, {
          h2: true,
          qps: "0",
          requests: "40",
          connections: "2",
          streams: "4",
          warmup: false,
        }),
      );
      assert.equal(r.ok, 40);
      assert.equal(r.bytesReceived, 40 * 1024);
      assert.equal(streams, 40);
      assert.equal(sessions, 2);
    } finally {
      await close(h2);
    }
  });

  it("speaks gRPC unary to a grpc-js server and reads grpc-status", async () => {
    const raw = (b: Buffer) => b;
    const echo = {
      path: "/mast.load.Echo/Echo",
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: raw,
      responseDeserialize: raw,
    };
    const server = new grpc.Server();
    let seen = 0;
    server.addService(
      { Echo: echo },
      {
        Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
          seen += call.request.length;
          cb(null, call.request);
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    try {
      const base = `http://127.0.0.1:${port}`;
      const r = await runLoad(
        parseLoadOptions(base, {
          grpc: true,
          qps: "0",
          requests: "20",
          connections: "1",
          streams: "4",
          payloadSize: "100",
          warmup: false,
        }),
      );
      assert.deepEqual(r.codes, { "grpc 0": 20 });
      assert.equal(r.ok, 20);
      assert.equal(seen, 20 * 102);
      const bad = await runLoad(
        parseLoadOptions(`${base}/no.Such/Method`, {
          grpc: true,
          qps: "0",
          requests: "3",
          connections: "1",
        }),
      );
      assert.deepEqual(bad.codes, { "grpc 12": 3 });
      assert.deepEqual(bad.errorKinds, { grpc: 3 });
    } finally {
      server.forceShutdown();
    }
  });
});
