// Copies an upstream response body into the downstream sink without ending it (trailers follow).
// stream.pipeline would do, but it allocates an AbortController per call and aborts it on finish,
// which builds a DOMException with a stack trace for every request: measurable on the hot path.

import type { Readable, Writable } from "node:stream";

/** Resolves when `src` has ended and all of it was written; rejects when either side fails. */
export function pump(src: Readable, dst: Writable, onChunk: (n: number) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      src.off("data", onData);
      src.off("end", onEnd);
      src.off("error", onError);
      src.off("close", onSrcClose);
      dst.off("drain", onDrain);
      dst.off("error", onError);
      dst.off("close", onDstClose);
      if (err) reject(err);
      else resolve();
    };
    const onData = (c: Buffer) => {
      onChunk(c.length);
      if (!dst.write(c)) src.pause();
    };
    const onDrain = () => src.resume();
    const onEnd = () => finish();
    const onError = (e: Error) => finish(e);
    const onSrcClose = () => {
      if (!src.readableEnded) finish(new Error("upstream body closed prematurely"));
    };
    const onDstClose = () => finish(new Error("downstream closed"));
    src.on("data", onData);
    src.once("end", onEnd);
    src.once("error", onError);
    src.once("close", onSrcClose);
    dst.on("drain", onDrain);
    dst.once("error", onError);
    dst.once("close", onDstClose);
    if (dst.destroyed) onDstClose();
    else if (src.readableEnded) onEnd();
  });
}
