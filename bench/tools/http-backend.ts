// Fallback benchmark backend when nginx is missing: 1 KiB answers over HTTP/1.1 and cleartext
// HTTP/2 from node:http and node:http2. Usage: HTTP1_PORT H2_PORT HTTP1_PORT_B.

import { createServer } from "node:http";
import { createServer as createH2Server, type ServerHttp2Stream } from "node:http2";

const body = Buffer.alloc(1024, "x");
const [http1Port, h2Port, http1PortB] = process.argv.slice(2).map(Number);
for (const port of [http1Port, http1PortB]) {
  const http1 = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": body.length }).end(body);
  });
  http1.keepAliveTimeout = 300_000;
  http1.listen(port, "127.0.0.1");
}
const h2 = createH2Server({ settings: { maxConcurrentStreams: 1000 } });
h2.on("stream", (stream: ServerHttp2Stream) => {
  stream.on("error", () => {});
  stream.respond({ ":status": 200, "content-type": "text/plain", "content-length": body.length });
  stream.end(body);
});
h2.listen(h2Port, "127.0.0.1");
