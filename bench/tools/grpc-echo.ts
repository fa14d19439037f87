// Benchmark backend: a gRPC unary server over node:http2 that answers any method with the request
// message, framed as gRPC (5-byte prefix) with grpc-status 0 in the trailers. Usage: PORT.

import { createServer, type ServerHttp2Stream } from "node:http2";

const port = Number(process.argv[2]);
const server = createServer({ settings: { maxConcurrentStreams: 1000 } });
server.on("stream", (stream: ServerHttp2Stream) => {
  const parts: Buffer[] = [];
  stream.on("data", (c: Buffer) => parts.push(c));
  stream.on("end", () => {
    const frame = Buffer.concat(parts);
    stream.respond(
      { ":status": 200, "content-type": "application/grpc" },
      { waitForTrailers: true },
    );
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(frame.length >= 5 ? frame : Buffer.alloc(5));
  });
  stream.on("error", () => {});
});
server.listen(port, "127.0.0.1");
