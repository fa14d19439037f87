// HTTP/1.1 over a raw socket: a prebuilt request written per send and a minimal response reader.
// node:http's agent costs several times more CPU per request, which would make the generator,
// not the system under test, the limit at maximum rate.

import { connect, type Socket } from "node:net";
import { Http1ResponseReader } from "./http1-response.ts";
import type { LoadOptions } from "./options.ts";
import { type Done, type Outcome, type Slot, statusOutcome } from "./slot.ts";

export function buildHttp1Request(opts: LoadOptions): Buffer {
  const { url } = opts;
  const lines = [`${opts.payloadSize > 0 ? "POST" : "GET"} ${url.pathname}${url.search} HTTP/1.1`];
  const names = new Set(opts.headers.map(([n]) => n));
  if (!names.has("host")) lines.push(`Host: ${url.host}`);
  if (!names.has("user-agent")) lines.push("User-Agent: mast-load");
  for (const [name, value] of opts.headers) lines.push(`${name}: ${value}`);
  if (!opts.keepAlive) lines.push("Connection: close");
  if (opts.payloadSize > 0) lines.push(`Content-Length: ${opts.payloadSize}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return opts.payloadSize > 0 ? Buffer.concat([head, Buffer.alloc(opts.payloadSize, 0x61)]) : head;
}

export class Http1Slot implements Slot {
  private socket: Socket | undefined;
  private reader = new Http1ResponseReader();
  private done: Done | undefined;
  private readonly host: string;
  private readonly port: number;
  private readonly request: Buffer;

  constructor(opts: LoadOptions, request: Buffer) {
    this.request = request;
    this.host = opts.url.hostname.replace(/^\[|\]$/g, "");
    this.port = Number(opts.url.port || 80);
  }

  send(done: Done): void {
    this.done = done;
    if (!this.socket) this.open();
    this.socket?.write(this.request);
  }

  abort(reason: string): void {
    this.drop();
    this.finish({ code: "", error: reason, bytes: 0 });
  }

  close(): void {
    this.drop();
  }

  private open(): void {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    let connected = false;
    this.socket = socket;
    this.reader = new Http1ResponseReader();
    socket.on("connect", () => {
      connected = true;
    });
    socket.on("data", (chunk: Buffer) => this.onData(socket, chunk));
    socket.on("error", () => {
      // 'close' follows and settles the request
    });
    socket.on("close", () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      const r = this.reader.end();
      if (r) this.finish(statusOutcome(r.status, r.bodyBytes));
      else this.finish({ code: "", error: connected ? "reset" : "connect", bytes: 0 });
    });
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (this.socket !== socket) return;
    let got: ReturnType<Http1ResponseReader["push"]>;
    try {
      got = this.reader.push(chunk);
    } catch {
      this.abort("protocol");
      return;
    }
    if (!got) return;
    const { response, rest } = got;
    if (!this.done || rest > 0) {
      // bytes nobody asked for: the stream is out of step, so start over
      this.drop();
      this.finish({ code: String(response.status), error: "protocol", bytes: response.bodyBytes });
      return;
    }
    if (response.close) this.drop();
    this.finish(statusOutcome(response.status, response.bodyBytes));
  }

  private drop(): void {
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
  }

  private finish(outcome: Outcome): void {
    const done = this.done;
    this.done = undefined;
    done?.(outcome);
  }
}
