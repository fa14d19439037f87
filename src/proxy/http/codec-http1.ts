// HTTP/1.1 downstream codec on node:http with its strict parser (llhttp, no lenient flags): every
// request becomes an HttpStream; malformed input gets 400 and a closed connection, never a
// forwarded request. Header count is enforced here because node truncates rather than rejects.

import http from "node:http";
import type { Duplex } from "node:stream";
import { HeaderMap } from "./headers.ts";
import { type DownstreamInfo, HttpStream, type ResponseSink } from "./stream.ts";

const ABSOLUTE_FORM = /^(https?):\/\/([^/?#]*)(.*)$/i;

export interface Http1Options {
  readonly maxHeaderBytes: number;
  readonly maxHeadersCount: number;
  readonly idleTimeoutMs: number;
}

export interface Http1Handler {
  onStream(stream: HttpStream): void;
  onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, info: DownstreamInfo): void;
  onProtocolError(info: DownstreamInfo | undefined, reason: string): void;
  isDraining(): boolean;
}

class Http1Sink implements ResponseSink {
  private readonly res: http.ServerResponse;
  private readonly handler: Http1Handler;
  constructor(res: http.ServerResponse, handler: Http1Handler) {
    this.res = res;
    this.handler = handler;
  }
  get headersSent(): boolean {
    return this.res.headersSent;
  }
  get body() {
    return this.res;
  }
  writeHead(status: number, headers: HeaderMap, endStream: boolean): void {
    if (this.handler.isDraining()) headers.set("connection", "close");
    const flat: string[] = [];
    for (const [k, v] of headers.entries()) if (!k.startsWith(":")) flat.push(k, v);
    this.res.writeHead(status, flat);
    if (endStream) this.res.end();
  }
  end(trailers?: HeaderMap): void {
    if (trailers?.size && !this.res.hasHeader("content-length")) {
      this.res.addTrailers(trailers.toObject());
    }
    this.res.end();
  }
  reset(): void {
    this.res.destroy();
  }
  closeAfter(): void {
    this.res.shouldKeepAlive = false;
  }
}

const infos = new WeakMap<object, DownstreamInfo>();

/** Hands an accepted connection to the codec. */
export function attachHttp1(server: http.Server, socket: Duplex, info: DownstreamInfo): void {
  infos.set(socket, info);
  server.emit("connection", socket);
}

export function createHttp1Server(handler: Http1Handler, opts: Http1Options): http.Server {
  const server = http.createServer({
    insecureHTTPParser: false,
    maxHeaderSize: opts.maxHeaderBytes,
    requireHostHeader: true,
    joinDuplicateHeaders: false,
    keepAliveTimeout: opts.idleTimeoutMs,
    requestTimeout: 0,
    headersTimeout: 0,
  });
  // one more than allowed, so that too many is visible instead of silently truncated
  server.maxHeadersCount = opts.maxHeadersCount + 1;
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const info = infos.get(req.socket)!;
    if (req.rawHeaders.length / 2 > opts.maxHeadersCount) {
      handler.onProtocolError(info, "too many headers");
      res.writeHead(431, { "content-length": "0", connection: "close" });
      res.end();
      return;
    }
    const headers = HeaderMap.fromRaw(req.rawHeaders);
    const authority = headers.get("host") ?? "";
    headers.remove("host");
    let path = req.url ?? "/";
    let scheme = info.tls ? "https" : "http";
    // absolute-form request target (a client talking to us as a forward proxy); origin-form
    // targets start with "/" and skip the match on the hot path
    const abs = path.charCodeAt(0) === 47 ? null : ABSOLUTE_FORM.exec(path);
    let auth = authority;
    if (abs) {
      scheme = abs[1].toLowerCase();
      auth = abs[2];
      path = abs[3] || "/";
    }
    const hasBody =
      req.headers["transfer-encoding"] !== undefined ||
      Number(req.headers["content-length"] ?? 0) > 0;
    const stream = new HttpStream({
      protocol: `HTTP/${req.httpVersion}`,
      method: req.method ?? "GET",
      path,
      authority: auth,
      scheme,
      headers,
      body: hasBody ? req : null,
      downstream: info,
      sink: new Http1Sink(res, handler),
    });
    if (!hasBody) req.resume();
    res.on("close", () => {
      if (!res.writableFinished) {
        stream.downstreamClosed = true;
        stream.abort.abort(new Error("downstream closed"));
      }
    });
    handler.onStream(stream);
  });
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    handler.onUpgrade(req, socket, head, infos.get(req.socket)!);
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    const info = infos.get(socket);
    handler.onProtocolError(info, err.code ?? err.message);
    if (!socket.writable) return socket.destroy();
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const text = status === 431 ? "Request Header Fields Too Large" : "Bad Request";
    socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  });
  return server;
}
