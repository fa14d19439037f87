// Benchmark backend for TCP stream throughput: writes 64 KiB blocks to every connection as fast as
// the peer reads them, until the peer closes. Usage: PORT.

import { createServer, type Socket } from "node:net";

const port = Number(process.argv[2]);
const block = Buffer.alloc(64 * 1024, 0x61);

createServer((socket: Socket) => {
  socket.on("error", () => {});
  const pump = () => {
    while (!socket.destroyed && socket.write(block)) {
      // keep the kernel buffer full
    }
  };
  socket.on("drain", pump);
  pump();
}).listen(port, "127.0.0.1");
