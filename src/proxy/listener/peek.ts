// Reads the first bytes of a connection without consuming them (Node has no MSG_PEEK): what was
// read is unshifted back, so the next consumer (TLS, HTTP parser, tcp_proxy) sees every byte.

import type { Socket } from "node:net";

/** Resolves with what has arrived once `enough` says so, the socket ends, or the timeout fires. */
export function peek(
  socket: Socket,
  enough: (buf: Buffer) => boolean,
  timeoutMs: number,
): Promise<Buffer> {
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", finish);
      socket.off("close", finish);
      socket.pause();
      if (buf.length) socket.unshift(buf);
      resolve(buf);
    };
    const onData = (c: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, c]) : c;
      if (enough(buf)) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on("data", onData);
    socket.once("end", finish);
    socket.once("close", finish);
    socket.resume();
  });
}
