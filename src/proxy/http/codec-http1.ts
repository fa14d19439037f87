// HTTP/1.1 downstream codec on the raw connection (net or TLS socket): our own request parser
// (http1-parser.ts, http1-chunked.ts) so framing follows RFC 9112 exactly, and our own response
// writer. One request at a time per connection: pipelined requests wait in the buffer until the
// response before them is complete, so responses keep request order. Malformed input gets a 4xx
// and a closed connection, never a forwarded request.

import { STATUS_CODES } from "node:http";
import { type Duplex, Readable } from "node:stream";
import type { HeaderMap } from "./headers.ts";
import { ChunkedDecoder } from "./http1-chunked.ts";
import {
  findHeadEnd,
  Http1Error,
  leadingEmptyLines,
  parseRequestHead,
  type RequestHead,
} from "./http1-parser.ts";
import { Http1Response, type ResponseConnection } from "./http1-response-writer.ts";
import { type DownstreamInfo, HttpStream } from "./stream.ts";

const ABSOLUTE_FORM = /^(https?):\/\/([^/?#]*)(.*)$/i;
const HIGH_BYTE = /[\x80-\xff]/;
const HIGH_BYTES = /[\x80-\xff]/g;
// response framing is ours; these never pass from the response headers to the wire

export interface Http1Options {
  readonly maxHeaderBytes: number;
  readonly maxHeadersCount: number;
  readonly idleTimeoutMs: number;
  /** Envoy's request_headers_timeout: time from a head's first byte to its end; 0 = none. */
  readonly requestHeadersTimeoutMs: number;
  /** Envoy's accept_http_10: off, an HTTP/1.0 request gets 426 Upgrade Required (Istio's default). */
  readonly acceptHttp10: boolean;
  /** Authority for an HTTP/1.0 request without Host (Envoy's default_host_for_http_10). */
  readonly defaultHostForHttp10: string | undefined;
}

/** An Upgrade request (WebSocket) handed over with the raw connection. */
export interface Http1UpgradeRequest {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  /** Request headers, Host removed. */
  readonly headers: HeaderMap;
  readonly upgrade: string;
}

export interface Http1Handler {
  onStream(stream: HttpStream): void;
  onUpgrade(req: Http1UpgradeRequest, socket: Duplex, head: Buffer, info: DownstreamInfo): void;
  onProtocolError(reason: string): void;
  onHeadersTimeout(): void;
  onIdleTimeout(): void;
  isDraining(): boolean;
}

/** The request target as forwarded: absolute-form split, empty → "/", non-ASCII bytes escaped. */
function splitTarget(target: string): { path: string; authority?: string; scheme?: string } {
  let path = target;
  let authority: string | undefined;
  let scheme: string | undefined;
  // origin-form targets start with "/" and skip the match on the hot path
  if (path.charCodeAt(0) !== 47 && path !== "*") {
    const abs = ABSOLUTE_FORM.exec(path);
    if (abs) {
      scheme = abs[1].toLowerCase();
      authority = abs[2];
      path = abs[3];
    }
  }
  // RFC 9110 §4.2.3: an empty path is sent as "/"
  if (path === "") path = "/";
  // raw UTF-8 in a path is not a valid URI; its percent-encoded form is the same URI (RFC 3987
  // §3.1) and the only one a strict upstream accepts, and routing and RBAC see that same form
  if (HIGH_BYTE.test(path)) {
    path = path.replace(HIGH_BYTES, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  }
  return { path, authority, scheme };
}

const HEAD = 0;
const BODY = 1;
const WAIT = 2;
const DONE = 3;

class Http1Connection implements ResponseConnection {
  private readonly socket: Duplex;
  private readonly info: DownstreamInfo;
  private readonly handler: Http1Handler;
  private readonly opts: Http1Options;
  private buf: Buffer | null = null;
  private scanned = 0;
  private state = HEAD;
  private stream: HttpStream | undefined;
  private response: Http1Response | undefined;
  private reqBody: RequestBody | undefined;
  private remaining = 0;
  private chunked: ChunkedDecoder | undefined;
  private headersTimer: NodeJS.Timeout | undefined;
  private readonly onData = (c: Buffer) => this.received(c);
  private readonly onClose = () => this.closed();
  private readonly onEnd = () => this.peerEnded();
  /** The client half-closed: answer what it sent, then close. */
  private ended = false;

  constructor(socket: Duplex, info: DownstreamInfo, handler: Http1Handler, opts: Http1Options) {
    this.socket = socket;
    this.info = info;
    this.handler = handler;
    this.opts = opts;
    socket.on("data", this.onData);
    socket.once("close", this.onClose);
    // a client may half-close after its request and still read the answer
    (socket as Duplex & { allowHalfOpen: boolean }).allowHalfOpen = true;
    socket.once("end", this.onEnd);
    if ("setTimeout" in socket && opts.idleTimeoutMs > 0) {
      const s = socket as Duplex & { setTimeout(ms: number): void };
      s.setTimeout(opts.idleTimeoutMs);
      socket.on("timeout", () => {
        if (this.state === HEAD && !this.buf) {
          this.handler.onIdleTimeout();
          this.socket.destroy();
        }
      });
    }
    socket.resume();
  }

  private received(chunk: Buffer): void {
    if (this.state === DONE) return;
    this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    this.process();
  }

  private process(): void {
    try {
      while (this.buf && this.state !== DONE) {
        if (this.state === HEAD) {
          if (!this.readHead()) break;
        } else if (this.state === BODY) {
          this.readBody();
          if (this.state === BODY) break;
        } else {
          // a pipelined request waits for the response before it; bound what waits
          if (this.buf.length > this.opts.maxHeaderBytes) this.socket.pause();
          break;
        }
      }
    } catch (e) {
      this.fail(e);
    }
    if (this.ended && this.state === HEAD) this.closeIncomplete();
  }

  /** The client half-closed with no complete request left: nothing more can arrive. */
  private closeIncomplete(): void {
    this.state = DONE;
    this.buf = null;
    this.clearHeadersTimer();
    this.socket.end();
  }

  /** Parses a complete head when there is one; false when more bytes are needed. */
  private readHead(): boolean {
    let buf = this.buf!;
    if (this.scanned === 0) {
      const skip = leadingEmptyLines(buf, 0);
      if (skip) {
        buf = buf.subarray(skip);
        this.buf = buf.length ? buf : null;
        if (!this.buf) return false;
      }
    }
    const end = findHeadEnd(buf, Math.max(0, this.scanned - 3), this.opts.maxHeaderBytes);
    if (end < 0) {
      this.scanned = buf.length;
      if (!this.headersTimer && this.opts.requestHeadersTimeoutMs > 0)
        this.headersTimer = setTimeout(
          () => this.headersTimeout(),
          this.opts.requestHeadersTimeoutMs,
        );
      return false;
    }
    this.clearHeadersTimer();
    this.scanned = 0;
    const head = parseRequestHead(buf.toString("latin1", 0, end), this.opts);
    if (head.minor === 0 && !this.opts.acceptHttp10)
      throw new Http1Error(426, "upgrade required for HTTP/1.0");
    this.buf = end < buf.length ? buf.subarray(end) : null;
    this.start(head);
    return true;
  }

  private start(head: RequestHead): void {
    const { headers } = head;
    const target = splitTarget(head.target);
    const authority = target.authority ?? head.host ?? (head.minor === 0 ? this.http10Host() : "");
    headers.remove("host");
    let upgrade = head.upgrade;
    if (upgrade === "h2c") {
      // Envoy ignores an h2c upgrade and answers in HTTP/1.1 (RFC 9113 deprecates it)
      headers.remove("upgrade");
      headers.remove("http2-settings");
      upgrade = undefined;
    }
    if (upgrade !== undefined) {
      this.state = DONE;
      this.detach();
      const rest = this.buf ?? Buffer.alloc(0);
      this.buf = null;
      const req = { method: head.method, path: target.path, authority, headers, upgrade };
      this.handler.onUpgrade(req, this.socket, rest, this.info);
      return;
    }
    // we answer "100 Continue" ourselves once the body is wanted (Envoy's default)
    if (head.expectContinue) headers.remove("expect");
    const hasBody = head.chunked || head.contentLength > 0;
    this.reqBody = hasBody ? new RequestBody(this, head.expectContinue) : undefined;
    this.remaining = head.contentLength;
    this.chunked = head.chunked ? new ChunkedDecoder(this.opts.maxHeaderBytes) : undefined;
    const response = new Http1Response(this, head);
    this.response = response;
    const stream = new HttpStream({
      protocol: head.minor === 0 ? "HTTP/1.0" : "HTTP/1.1",
      method: head.method,
      path: target.path,
      authority,
      scheme: target.scheme ?? (this.info.tls ? "https" : "http"),
      headers,
      body: this.reqBody ?? null,
      downstream: this.info,
      sink: response,
    });
    this.stream = stream;
    this.state = hasBody ? BODY : WAIT;
    this.handler.onStream(stream);
  }

  /** HTTP/1.0 needs no Host: the configured default, else the address the client reached. */
  private http10Host(): string {
    if (this.opts.defaultHostForHttp10) return this.opts.defaultHostForHttp10;
    const { localAddress: a, localPort } = this.info;
    return `${a.includes(":") ? `[${a}]` : a}:${localPort}`;
  }

  private readBody(): void {
    const buf = this.buf!;
    const body = this.reqBody!;
    let used: number;
    if (this.chunked) {
      used = this.chunked.decode(buf, 0, (c) => body.deliver(c));
      if (this.chunked.done) this.bodyDone();
    } else {
      used = Math.min(this.remaining, buf.length);
      body.deliver(used === buf.length ? buf : buf.subarray(0, used));
      this.remaining -= used;
      if (this.remaining === 0) this.bodyDone();
    }
    this.buf = used < buf.length ? buf.subarray(used) : null;
  }

  private bodyDone(): void {
    this.reqBody?.deliver(null);
    this.state = WAIT;
  }

  /** The response went out completely: next request, or close. */
  responseDone(keepAlive: boolean): void {
    if (this.state === DONE) return;
    this.stream = undefined;
    this.response = undefined;
    if (
      !keepAlive ||
      this.state === BODY ||
      this.handler.isDraining() ||
      (this.ended && !this.buf)
    ) {
      // a request body still arriving cannot be told apart from the next request: close
      this.reqBody?.destroy();
      this.state = DONE;
      this.socket.end();
      return;
    }
    this.reqBody = undefined;
    this.chunked = undefined;
    this.state = HEAD;
    this.socket.resume();
    if (this.buf) process.nextTick(() => this.process());
  }

  /** Flow control for the request body: the consumer wants more, or no more for now. */
  pauseInput(paused: boolean): void {
    if (paused) this.socket.pause();
    else if (this.state !== DONE) this.socket.resume();
  }

  write(data: string | Buffer): boolean {
    return typeof data === "string" ? this.socket.write(data, "latin1") : this.socket.write(data);
  }

  get out(): Duplex {
    return this.socket;
  }

  get draining(): boolean {
    return this.handler.isDraining();
  }

  private fail(e: unknown): void {
    const err = e instanceof Http1Error ? e : new Http1Error(400, String(e));
    this.handler.onProtocolError(err.message);
    this.clearHeadersTimer();
    const state = this.state;
    this.state = DONE;
    this.buf = null;
    this.detach();
    const stream = this.stream;
    if (state === BODY && stream && this.response) {
      // the request is already on its way: abort it, and answer unless the response started
      this.reqBody?.destroy(err);
      if (this.response.headersSent) {
        this.socket.destroy();
        return;
      }
      this.response.body.destroy();
      stream.responseCode = err.status;
      stream.responseCodeDetails = "http1.codec_error";
    }
    this.rejectAndClose(err.status);
  }

  private rejectAndClose(status: number): void {
    const text = STATUS_CODES[status] ?? "Bad Request";
    this.socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  }

  private headersTimeout(): void {
    this.headersTimer = undefined;
    if (this.state !== HEAD) return;
    this.handler.onHeadersTimeout();
    this.state = DONE;
    this.buf = null;
    this.detach();
    this.rejectAndClose(408);
  }

  private clearHeadersTimer(): void {
    if (this.headersTimer) clearTimeout(this.headersTimer);
    this.headersTimer = undefined;
  }

  private detach(): void {
    this.socket.off("data", this.onData);
    this.socket.off("close", this.onClose);
    this.socket.off("end", this.onEnd);
    this.socket.pause();
    if ("setTimeout" in this.socket)
      (this.socket as Duplex & { setTimeout(ms: number): void }).setTimeout(0);
  }

  private peerEnded(): void {
    this.ended = true;
    if (this.state === BODY)
      this.fail(new Http1Error(400, "connection closed inside the request body"));
    else if (this.state === HEAD) this.closeIncomplete();
  }

  private closed(): void {
    this.clearHeadersTimer();
    this.state = DONE;
    this.buf = null;
    const stream = this.stream;
    this.reqBody?.destroy(new Error("downstream closed"));
    const body = this.response?.body;
    if (stream && body && !body.writableFinished) {
      stream.downstreamClosed = true;
      stream.abort.abort(new Error("downstream closed"));
      body.destroy();
    }
  }
}

/** The request body as the router reads it; the connection pushes decoded bytes into it. */
class RequestBody extends Readable {
  private readonly conn: Http1Connection;
  private expectContinue: boolean;

  constructor(conn: Http1Connection, expectContinue: boolean) {
    super();
    this.conn = conn;
    this.expectContinue = expectContinue;
  }

  deliver(chunk: Buffer | null): void {
    // a client that sent body bytes is not waiting for "100 Continue" (RFC 9110 §10.1.1)
    this.expectContinue = false;
    if (!this.push(chunk) && chunk) this.conn.pauseInput(true);
  }

  override _read(): void {
    if (this.expectContinue) {
      this.expectContinue = false;
      this.conn.write("HTTP/1.1 100 Continue\r\n\r\n");
    }
    this.conn.pauseInput(false);
  }
}

/** Serves HTTP/1.1 on an accepted (and possibly TLS-terminated) connection. */
export function serveHttp1(
  socket: Duplex,
  info: DownstreamInfo,
  handler: Http1Handler,
  opts: Http1Options,
): void {
  new Http1Connection(socket, info, handler, opts);
}
