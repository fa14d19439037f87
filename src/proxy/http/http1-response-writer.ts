// HTTP/1.1 response writer for the downstream codec (codec-http1.ts): the status line and
// headers framed by us (Content-Length, chunked, or until close for HTTP/1.0), the body held to
// the length its head announced, trailers after the last chunk.

import { STATUS_CODES } from "node:http";
import { type Duplex, Writable } from "node:stream";
import { type HeaderMap, wireValue } from "./headers.ts";
import type { RequestHead } from "./http1-parser.ts";
import type { ResponseSink } from "./stream.ts";

const FRAMING = new Set(["connection", "transfer-encoding", "keep-alive"]);

/** What the response needs of its connection. */
export interface ResponseConnection {
  readonly draining: boolean;
  readonly out: Duplex;
  write(data: string | Buffer): boolean;
  /** The response is complete; the connection reads the next request or closes. */
  responseDone(keepAlive: boolean): void;
}

/** The response: status line and headers framed by us, then the body. */
export class Http1Response implements ResponseSink {
  readonly body: ResponseBody;
  private readonly conn: ResponseConnection;
  private readonly req: RequestHead;
  keepAlive: boolean;
  headersSent = false;

  constructor(conn: ResponseConnection, req: RequestHead) {
    this.conn = conn;
    this.req = req;
    this.keepAlive = req.keepAlive;
    this.body = new ResponseBody(conn);
    this.body.once("finish", () => conn.responseDone(this.keepAlive));
  }

  writeHead(status: number, headers: HeaderMap, endStream: boolean): void {
    this.headersSent = true;
    if (this.body.destroyed) return;
    if (this.conn.draining) this.keepAlive = false;
    const noBody = this.req.method === "HEAD" || status === 204 || status === 304 || status < 200;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
    let length = -1;
    for (const [k, v] of headers.entries()) {
      const w = k.charCodeAt(0) === 58 || FRAMING.has(k) ? undefined : wireValue(v);
      if (w === undefined) continue;
      if (k === "content-length")
        length = length === -1 && /^\d{1,15}$/.test(w) ? Number(w) : Number.NaN;
      head += `${k}: ${w}\r\n`;
    }
    let chunked = false;
    // a Content-Length that is not one number cannot frame the body: chunk (or close) instead
    if (Number.isNaN(length)) {
      this.writeHead(status, withoutLength(headers), endStream);
      return;
    }
    if (!noBody && length < 0) {
      if (endStream) head += "content-length: 0\r\n";
      else if (this.req.minor === 1) {
        head += "transfer-encoding: chunked\r\n";
        chunked = true;
      } else this.keepAlive = false; // HTTP/1.0: the close ends the body
    }
    if (!this.keepAlive) head += "connection: close\r\n";
    else if (this.req.minor === 0) head += "connection: keep-alive\r\n";
    this.body.start(`${head}\r\n`, chunked, noBody ? 0 : length);
    if (endStream) this.body.end();
  }

  end(trailers?: HeaderMap): void {
    if (this.body.destroyed) return;
    this.body.trailers = trailers;
    this.body.end();
  }

  reset(): void {
    this.conn.out.destroy();
  }

  closeAfter(): void {
    this.keepAlive = false;
  }
}

/** Response body bytes, chunk-framed when the length is unknown; the head goes out with the first. */
class ResponseBody extends Writable {
  private readonly conn: ResponseConnection;
  private pendingHead: string | undefined;
  private chunked = false;
  private noBody = false;
  /** Body bytes the head still owes; a body that breaks its Content-Length ends the connection. */
  private remaining = -1;
  trailers: HeaderMap | undefined;

  constructor(conn: ResponseConnection) {
    super();
    this.conn = conn;
    // writes after an abort (the router still finishing) go nowhere, quietly
    this.on("error", () => undefined);
  }

  /** `length`: the body bytes the head announced (0 for none), -1 when chunked or until close. */
  start(head: string, chunked: boolean, length: number): void {
    this.pendingHead = head;
    this.chunked = chunked;
    this.noBody = length === 0;
    this.remaining = length;
    // a body usually follows within the same turn and then leaves in the same write
    setImmediate(() => this.flushHead());
  }

  private flushHead(): void {
    if (this.pendingHead === undefined || this.destroyed) return;
    this.conn.write(this.pendingHead);
    this.pendingHead = undefined;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.noBody || chunk.length === 0) {
      cb();
      return;
    }
    const out = this.conn.out;
    out.cork();
    if (this.pendingHead !== undefined) {
      out.write(this.pendingHead, "latin1");
      this.pendingHead = undefined;
    }
    if (this.remaining >= 0) {
      if (chunk.length > this.remaining) {
        // more than announced would be read as the start of the next response
        out.uncork();
        out.destroy();
        cb(new Error("response body longer than its content-length"));
        return;
      }
      this.remaining -= chunk.length;
    }
    let ok: boolean;
    if (this.chunked) {
      out.write(`${chunk.length.toString(16)}\r\n`);
      out.write(chunk);
      ok = out.write("\r\n");
    } else ok = out.write(chunk);
    out.uncork();
    if (ok) cb();
    else out.once("drain", () => cb());
  }

  override _final(cb: (e?: Error | null) => void): void {
    let tail = this.pendingHead ?? "";
    this.pendingHead = undefined;
    if (this.chunked) {
      tail += "0\r\n";
      for (const [k, v] of this.trailers?.entries() ?? []) {
        const w = k.charCodeAt(0) === 58 ? undefined : wireValue(v);
        if (w !== undefined) tail += `${k}: ${w}\r\n`;
      }
      tail += "\r\n";
    }
    if (tail) this.conn.write(tail);
    // fewer bytes than announced: the client would wait for the rest, or misread what follows
    if (this.remaining > 0) this.conn.out.destroy();
    cb();
  }
}

function withoutLength(headers: HeaderMap): HeaderMap {
  const h = headers.clone();
  h.remove("content-length");
  return h;
}
