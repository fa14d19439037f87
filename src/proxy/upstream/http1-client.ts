// A lean HTTP/1.1 client for one upstream host: keep-alive connections reused one request at a
// time, the request framed by us (Content-Length enforced byte for byte, else chunked), the
// response read with the same chunked decoder as the downstream codec. Replaces undici's request
// path, whose per-request machinery (dispatcher, handler, parsed header object, body wrapper)
// cost more than the proxying itself; undici stays for upgrades.

import net from "node:net";
import { Readable } from "node:stream";
import tls, { type ConnectionOptions } from "node:tls";
import { HeaderMap, wireValue } from "../http/headers.ts";
import { ChunkedDecoder } from "../http/http1-chunked.ts";
import type { UpstreamRequest, UpstreamResponse } from "./upstream-types.ts";

const CRLF2 = Buffer.from("\r\n\r\n");
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const FIELD = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\r\n\0]*?)[ \t]*$/;
// methods whose requests carry content: an absent body is sent as "content-length: 0" (undici's rule)
const PAYLOAD_METHODS = new Set(["POST", "PUT", "PATCH", "QUERY"]);
const MAX_HEAD = 64 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// heads are written as Latin-1: a char above 0xff in a target would lose its high byte
const BAD_TARGET = /[^\x21-\x7e\x80-\xff]/;
const IDLE_MS = 60_000;

export interface Http1ClientOptions {
  readonly connectTimeoutMs: number;
  readonly maxConnections?: number;
  readonly tls?: ConnectionOptions;
  readonly localAddress?: string;
  /** common_http_protocol_options: a connection closes after this many requests / idle time. */
  readonly maxRequestsPerConnection?: number;
  readonly idleTimeoutMs?: number;
}

function codeError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

interface RequestHead {
  /** The head without its final CRLF, one char per byte. */
  readonly text: string;
  /** The Content-Length the request announces, -1 for none. */
  readonly length: number;
}

/**
 * The request head as written, or why it cannot be: anything that would let the head say
 * something else than the request (a second request, another length) is refused before a byte
 * goes out. The downstream codecs already refuse such input; this guards what filters and config
 * add.
 */
function requestHead(req: UpstreamRequest): RequestHead | string {
  if (!TOKEN.test(req.method)) return "invalid method";
  if (BAD_TARGET.test(req.path)) return "invalid request target";
  const authority = wireValue(req.authority);
  if (authority === undefined) return "invalid authority";
  let text = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${authority}\r\n`;
  let length = -1;
  for (const [k, v] of req.headers.entries()) {
    if (k.charCodeAt(0) === 58 || k === "host") continue;
    const w = wireValue(v);
    if (!TOKEN.test(k) || w === undefined) return `invalid header ${JSON.stringify(k)}`;
    if (k === "content-length") {
      if (!/^\d{1,15}$/.test(v)) return "invalid content-length";
      length = Number(v);
    }
    text += `${k}: ${w}\r\n`;
  }
  return { text, length };
}

/** The response body; the connection pushes into it and pauses the socket on backpressure. */
class ResponseBody extends Readable {
  private readonly socket: net.Socket;
  constructor(socket: net.Socket) {
    super();
    this.socket = socket;
  }
  override _read(): void {
    this.socket.resume();
  }
}

/** One request/response exchange on a connection. */
class Exchange {
  readonly req: UpstreamRequest;
  readonly socket: net.Socket;
  private readonly head: RequestHead;
  private readonly client: Http1Client;
  private readonly resolve: (r: UpstreamResponse) => void;
  private readonly reject: (e: Error) => void;
  private buf: Buffer | null = null;
  private body: ResponseBody | undefined;
  private remaining = -1;
  private chunked: ChunkedDecoder | undefined;
  private requestDone = false;
  private responseDone = false;
  private reusable = true;
  private finished = false;
  private trailersResolve: ((t: HeaderMap | undefined) => void) | undefined;
  private readonly onData = (c: Buffer) => this.data(c);
  private readonly onClose = () => this.closed();
  private bodyListener: ((c: Buffer) => void) | undefined;
  private readonly onError = (e: Error) => this.fail(e);
  private readonly onAbort = () => this.fail(codeError("request aborted", "UND_ERR_ABORTED"));

  constructor(
    client: Http1Client,
    socket: net.Socket,
    req: UpstreamRequest,
    head: RequestHead,
    resolve: (r: UpstreamResponse) => void,
    reject: (e: Error) => void,
  ) {
    this.client = client;
    this.socket = socket;
    this.req = req;
    this.head = head;
    this.resolve = resolve;
    this.reject = reject;
    socket.on("data", this.onData);
    socket.once("close", this.onClose);
    socket.once("error", this.onError);
    req.signal?.addEventListener("abort", this.onAbort, { once: true });
    socket.setTimeout(0);
    socket.resume();
    this.send();
  }

  private send(): void {
    const { req, socket } = this;
    let head = this.head.text;
    const length = this.head.length;
    const body = req.body;
    if (!body) {
      if (length < 0 && PAYLOAD_METHODS.has(req.method)) head += "content-length: 0\r\n";
      socket.write(`${head}\r\n`, "latin1");
      this.requestDone = true;
      return;
    }
    const chunked = length < 0;
    if (chunked) head += "transfer-encoding: chunked\r\n";
    socket.write(`${head}\r\n`, "latin1");
    let sent = 0;
    const onChunk = (c: Buffer) => {
      if (this.finished) return;
      sent += c.length;
      // more than the announced length would become a second request on this connection
      if (!chunked && sent > length)
        return this.fail(codeError("request body longer than its content-length", "EPROTO"));
      let ok: boolean;
      if (chunked) {
        socket.cork();
        socket.write(`${c.length.toString(16)}\r\n`);
        socket.write(c);
        ok = socket.write("\r\n");
        socket.uncork();
      } else ok = socket.write(c);
      if (!ok) {
        body.pause();
        socket.once("drain", () => body.resume());
      }
    };
    this.bodyListener = onChunk;
    body.on("data", onChunk);
    body.once("end", () => {
      if (this.finished) return;
      if (!chunked && sent !== length)
        return this.fail(codeError("request body shorter than its content-length", "EPROTO"));
      if (chunked) socket.write("0\r\n\r\n");
      this.requestDone = true;
      this.maybeRelease();
    });
    body.once("error", (e: Error) => this.fail(e));
  }

  private data(chunk: Buffer): void {
    this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      while (this.buf && !this.responseDone && !this.finished) {
        if (!this.body) {
          if (!this.readHead()) return;
        } else this.readBody();
      }
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** Parses the response head once complete; 1xx heads are skipped. */
  private readHead(): boolean {
    const buf = this.buf!;
    const end = buf.indexOf(CRLF2);
    if (end < 0) {
      if (buf.length > MAX_HEAD) throw codeError("upstream response head too large", "EPROTO");
      return false;
    }
    const lines = buf.toString("latin1", 0, end).split("\r\n");
    this.buf = end + 4 < buf.length ? buf.subarray(end + 4) : null;
    const m = STATUS_LINE.exec(lines[0]);
    if (!m) throw codeError("invalid upstream status line", "EPROTO");
    const status = Number(m[2]);
    const headers = new HeaderMap();
    let length = -1;
    let chunked = false;
    let close = m[1] === "0";
    for (let i = 1; i < lines.length; i++) {
      const f = FIELD.exec(lines[i]);
      if (!f) throw codeError("invalid upstream header line", "EPROTO");
      const name = f[1].toLowerCase();
      const value = f[2];
      headers.addLower(name, value);
      if (name === "content-length") {
        if (!/^\d{1,15}$/.test(value) || (length >= 0 && Number(value) !== length))
          throw codeError("invalid upstream content-length", "EPROTO");
        length = Number(value);
      } else if (name === "transfer-encoding") chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      else if (name === "connection") {
        const v = value.toLowerCase();
        if (v.includes("close")) close = true;
        else if (m[1] === "0" && v.includes("keep-alive")) close = false;
      }
    }
    if (status < 200) return true; // 100 Continue and friends: the real head follows
    // chunked overrides a Content-Length (RFC 9112 §6.3), which must not travel on downstream
    if (chunked && length >= 0) headers.remove("content-length");
    const noBody = this.req.method === "HEAD" || status === 204 || status === 304;
    if (close) this.reusable = false;
    this.body = new ResponseBody(this.socket);
    const trailers = new Promise<HeaderMap | undefined>((r) => {
      this.trailersResolve = r;
    });
    this.resolve({ status, headers, body: this.body, trailers });
    if (noBody) this.remaining = 0;
    else if (chunked) this.chunked = new ChunkedDecoder(MAX_HEAD);
    else if (length >= 0) this.remaining = length;
    else {
      this.remaining = Number.POSITIVE_INFINITY; // until the upstream closes
      this.reusable = false;
    }
    if (this.remaining === 0) this.complete();
    return true;
  }

  private readBody(): void {
    const buf = this.buf!;
    const body = this.body!;
    let used: number;
    if (this.chunked) {
      used = this.chunked.decode(buf, 0, (c) => {
        if (!body.push(c)) this.socket.pause();
      });
    } else {
      used = Math.min(this.remaining, buf.length);
      if (!body.push(used === buf.length ? buf : buf.subarray(0, used))) this.socket.pause();
      this.remaining -= used;
    }
    this.buf = used < buf.length ? buf.subarray(used) : null;
    if (this.chunked ? this.chunked.done : this.remaining === 0) this.complete();
  }

  private complete(): void {
    this.responseDone = true;
    // bytes after a complete response on a one-at-a-time connection: the upstream is confused
    if (this.buf) this.reusable = false;
    this.body!.push(null);
    this.trailersResolve?.(this.chunked?.trailers);
    this.maybeRelease();
  }

  private maybeRelease(): void {
    if (!this.responseDone || this.finished) return;
    if (!this.requestDone) {
      // the answer came before the whole request went out: this connection cannot be reused
      this.reusable = false;
    }
    this.detach();
    this.client.release(this.socket, this.reusable);
  }

  private detach(): void {
    this.finished = true;
    if (this.bodyListener) this.req.body?.off("data", this.bodyListener);
    this.socket.off("data", this.onData);
    this.socket.off("close", this.onClose);
    this.socket.off("error", this.onError);
    this.req.signal?.removeEventListener("abort", this.onAbort);
  }

  /** The connection closed: the end of a close-delimited body, else a failure. */
  private closed(): void {
    if (this.body && !this.responseDone && this.remaining === Number.POSITIVE_INFINITY) {
      this.reusable = false;
      this.complete();
      return;
    }
    this.fail(codeError("upstream connection closed", "ECONNRESET"));
  }

  fail(err: Error): void {
    if (this.finished) return;
    this.detach();
    if (!this.body) this.reject(err);
    else if (!this.responseDone) {
      this.body.destroy(err);
      this.trailersResolve?.(undefined);
    }
    this.socket.destroy();
    this.client.release(this.socket, false);
  }
}

export class Http1Client {
  private readonly address: string;
  private readonly port: number;
  private readonly opts: Http1ClientOptions;
  private readonly idle: net.Socket[] = [];
  private readonly waiting: (() => void)[] = [];
  private open = 0;
  private closed = false;
  private readonly served = new WeakMap<net.Socket, number>();

  constructor(address: string, port: number, opts: Http1ClientOptions) {
    this.address = address;
    this.port = port;
    this.opts = opts;
  }

  request(req: UpstreamRequest): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      if (req.signal?.aborted) return reject(codeError("request aborted", "UND_ERR_ABORTED"));
      if (this.closed) return reject(codeError("upstream pool closed", "UND_ERR_DESTROYED"));
      const head = requestHead(req);
      if (typeof head === "string") return reject(codeError(head, "EPROTO"));
      const start = (socket: net.Socket) => new Exchange(this, socket, req, head, resolve, reject);
      const socket = this.idle.pop();
      if (socket) return start(socket);
      if (this.opts.maxConnections === undefined || this.open < this.opts.maxConnections) {
        return this.connect().then(start, reject);
      }
      this.waiting.push(() => this.request(req).then(resolve, reject));
    });
  }

  private connect(): Promise<net.Socket> {
    this.open++;
    return new Promise((resolve, reject) => {
      const o = { host: this.address, port: this.port, localAddress: this.opts.localAddress };
      const socket = this.opts.tls
        ? tls.connect({ ...this.opts.tls, ...o, ALPNProtocols: ["http/1.1"] })
        : net.connect(o);
      const timer = setTimeout(() => {
        socket.destroy(codeError("connect timeout", "UND_ERR_CONNECT_TIMEOUT"));
      }, this.opts.connectTimeoutMs);
      const failed = (e: Error) => {
        clearTimeout(timer);
        this.open--;
        this.next();
        reject(e);
      };
      socket.once("error", failed);
      socket.once(this.opts.tls ? "secureConnect" : "connect", () => {
        clearTimeout(timer);
        socket.off("error", failed);
        socket.setNoDelay(true);
        // errors of an idle connection just end it; an exchange listens for its own
        socket.on("error", () => undefined);
        socket.on("timeout", () => {
          if (this.idle.includes(socket)) socket.destroy();
        });
        socket.once("close", () => {
          this.open--;
          const i = this.idle.indexOf(socket);
          if (i >= 0) this.idle.splice(i, 1);
          this.next();
        });
        resolve(socket);
      });
    });
  }

  /** A finished exchange hands its connection back: idle for the next request, or closed. */
  release(socket: net.Socket, reusable: boolean): void {
    const served = (this.served.get(socket) ?? 0) + 1;
    this.served.set(socket, served);
    const spent = served >= (this.opts.maxRequestsPerConnection || Number.POSITIVE_INFINITY);
    if (!reusable || spent || this.closed || socket.destroyed) {
      socket.destroy();
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      this.idle.push(socket);
      waiter();
      return;
    }
    socket.setTimeout(this.opts.idleTimeoutMs ?? IDLE_MS);
    this.idle.push(socket);
  }

  private next(): void {
    this.waiting.shift()?.();
  }

  close(): void {
    this.closed = true;
    for (const s of this.idle.splice(0)) s.destroy();
  }
}
