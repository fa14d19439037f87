// HTTP/2 (cleartext, prior knowledge) and gRPC unary over node:http2: one session per connection,
// `streams` slots share it so requests are multiplexed. gRPC framing is hand-rolled: a 5-byte
// prefix (compressed flag, big-endian length) before the message, status in the trailers.

import {
  type ClientHttp2Session,
  connect,
  constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from "node:http2";
import type { LoadOptions } from "./options.ts";
import { type Done, type Outcome, type Slot, statusOutcome } from "./slot.ts";

const { HTTP2_HEADER_STATUS } = constants;

/** A gRPC message whose protobuf form is `bytes payload = 1` with `size` bytes, framed. */
export function grpcFrame(size: number): Buffer {
  const message =
    size > 0
      ? Buffer.concat([Buffer.from([0x0a]), varint(size), Buffer.alloc(size, 0x61)])
      : Buffer.alloc(0);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** One HTTP/2 connection, shared by its slots; reconnects after the session dies. */
export class Http2Connection {
  private session: ClientHttp2Session | undefined;
  private readonly origin: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer | undefined;
  readonly grpc: boolean;

  constructor(opts: LoadOptions) {
    this.origin = opts.url.origin;
    this.grpc = opts.protocol === "grpc";
    const headers: OutgoingHttpHeaders = {
      ":path": `${opts.url.pathname}${opts.url.search}`,
      ":method": this.grpc || opts.payloadSize > 0 ? "POST" : "GET",
      "user-agent": "mast-load",
    };
    if (this.grpc) {
      headers["content-type"] = "application/grpc";
      headers.te = "trailers";
    }
    for (const [name, value] of opts.headers)
      headers[name === "host" ? ":authority" : name] = value;
    this.headers = headers;
    this.body = this.grpc
      ? grpcFrame(opts.payloadSize)
      : opts.payloadSize > 0
        ? Buffer.alloc(opts.payloadSize, 0x61)
        : undefined;
  }

  get(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.origin, { settings: { enablePush: false } });
    session.on("error", () => {
      // streams fail on their own; the next request reconnects
    });
    session.on("close", () => {
      if (this.session === session) this.session = undefined;
    });
    this.session = session;
    return session;
  }

  reset(): void {
    this.session?.destroy();
    this.session = undefined;
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }
}

export class Http2Slot implements Slot {
  private done: Done | undefined;
  private cancel: (() => void) | undefined;

  private readonly conn: Http2Connection;

  constructor(conn: Http2Connection) {
    this.conn = conn;
  }

  send(done: Done): void {
    this.done = done;
    const session = this.conn.get();
    const connected = !session.connecting;
    let stream: ReturnType<ClientHttp2Session["request"]>;
    try {
      stream = session.request(this.conn.headers, { endStream: this.conn.body === undefined });
    } catch {
      this.conn.reset();
      this.finish({ code: "", error: connected ? "reset" : "connect", bytes: 0 });
      return;
    }
    if (this.conn.body) stream.end(this.conn.body);
    let status = 0;
    let grpcStatus: string | undefined;
    let bytes = 0;
    this.cancel = () => stream.close(constants.NGHTTP2_CANCEL);
    stream.on("response", (headers: IncomingHttpHeaders) => {
      status = Number(headers[HTTP2_HEADER_STATUS]);
      // a trailers-only gRPC response carries the status in the headers
      if (headers["grpc-status"] !== undefined) grpcStatus = String(headers["grpc-status"]);
    });
    stream.on("trailers", (trailers: IncomingHttpHeaders) => {
      if (trailers["grpc-status"] !== undefined) grpcStatus = String(trailers["grpc-status"]);
    });
    stream.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    stream.on("error", () => {
      // 'close' follows
    });
    stream.on("close", () => {
      this.cancel = undefined;
      if (status === 0) {
        const error = session.connecting || !session.remoteSettings ? "connect" : "reset";
        this.finish({ code: "", error, bytes: 0 });
      } else if (!this.conn.grpc) {
        this.finish(statusOutcome(status, bytes));
      } else if (grpcStatus === undefined) {
        this.finish({ code: String(status), error: status === 200 ? "protocol" : "status", bytes });
      } else {
        const code = `grpc ${grpcStatus}`;
        this.finish(grpcStatus === "0" ? { code, bytes } : { code, error: "grpc", bytes });
      }
    });
  }

  abort(reason: string): void {
    const done = this.done;
    this.done = undefined;
    this.cancel?.();
    this.conn.reset();
    done?.({ code: "", error: reason, bytes: 0 });
  }

  close(): void {
    this.conn.close();
  }

  private finish(outcome: Outcome): void {
    const done = this.done;
    this.done = undefined;
    done?.(outcome);
  }
}
