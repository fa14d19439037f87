// Incremental HTTP/1.1 response reader for the load generator: finds the status, the body framing
// (Content-Length, chunked, or until close) and skips the body without copying it.

const CRLFCRLF = Buffer.from("\r\n\r\n");
const MAX_HEAD = 64 * 1024;

export interface Http1Response {
  readonly status: number;
  readonly bodyBytes: number;
  /** The server will close the connection after this response. */
  readonly close: boolean;
}

type State = "head" | "length" | "chunk-size" | "chunk-data" | "chunk-crlf" | "trailers" | "eof";

export class Http1ResponseReader {
  private state: State = "head";
  private pending: Buffer | undefined;
  private status = 0;
  private close = false;
  private remaining = 0;
  private bodyBytes = 0;

  private readonly head: boolean;

  /** `head`: the request was HEAD, so its response has no body. */
  constructor(head = false) {
    this.head = head;
  }

  /**
   * Feeds bytes; returns the response when complete and the bytes after it (the server sent them
   * unasked, which is a protocol error for a client that does not pipeline).
   * Throws on malformed input.
   */
  push(chunk: Buffer): { response: Http1Response; rest: number } | undefined {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let pos = 0;
    while (pos < buf.length || this.state === "length") {
      switch (this.state) {
        case "head": {
          const end = buf.indexOf(CRLFCRLF, pos);
          if (end < 0) {
            if (buf.length - pos > MAX_HEAD) throw new Error("response head over 64 KiB");
            this.pending = buf.subarray(pos);
            return undefined;
          }
          const informational = this.readHead(buf.toString("latin1", pos, end));
          pos = end + 4;
          if (informational) continue;
          break;
        }
        case "length": {
          const take = Math.min(this.remaining, buf.length - pos);
          pos += take;
          this.remaining -= take;
          this.bodyBytes += take;
          if (this.remaining === 0) return this.finish(buf.length - pos);
          return undefined;
        }
        case "chunk-size": {
          const eol = buf.indexOf("\r\n", pos, "latin1");
          if (eol < 0) {
            if (buf.length - pos > 1024) throw new Error("chunk size line too long");
            this.pending = buf.subarray(pos);
            return undefined;
          }
          const sizeText = buf.toString("latin1", pos, eol).split(";")[0].trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) throw new Error("bad chunk size");
          this.remaining = Number.parseInt(sizeText, 16);
          pos = eol + 2;
          this.state = this.remaining === 0 ? "trailers" : "chunk-data";
          break;
        }
        case "chunk-data": {
          const take = Math.min(this.remaining, buf.length - pos);
          pos += take;
          this.remaining -= take;
          this.bodyBytes += take;
          if (this.remaining === 0) this.state = "chunk-crlf";
          break;
        }
        case "chunk-crlf": {
          if (buf.length - pos < 2) {
            this.pending = buf.subarray(pos);
            return undefined;
          }
          if (buf[pos] !== 13 || buf[pos + 1] !== 10) throw new Error("chunk not followed by CRLF");
          pos += 2;
          this.state = "chunk-size";
          break;
        }
        case "trailers": {
          const eol = buf.indexOf("\r\n", pos, "latin1");
          if (eol < 0) {
            this.pending = buf.subarray(pos);
            return undefined;
          }
          const empty = eol === pos;
          pos = eol + 2;
          if (empty) return this.finish(buf.length - pos);
          break;
        }
        case "eof":
          this.bodyBytes += buf.length - pos;
          return undefined;
      }
    }
    return undefined;
  }

  /** The connection closed: completes a response delimited by close, else returns undefined. */
  end(): Http1Response | undefined {
    if (this.state !== "eof") return undefined;
    return { status: this.status, bodyBytes: this.bodyBytes, close: true };
  }

  /** Parses a status line and headers; returns true for a 1xx response that precedes the real one. */
  private readHead(head: string): boolean {
    const lines = head.split("\r\n");
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
    if (!m) throw new Error(`bad status line "${lines[0].slice(0, 40)}"`);
    const status = Number(m[2]);
    if (status >= 100 && status < 200) return true;
    let length: number | undefined;
    let chunked = false;
    let close = m[1] === "0";
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const c = line.indexOf(":");
      if (c <= 0) throw new Error("bad header line");
      const name = line.slice(0, c).trim().toLowerCase();
      const value = line
        .slice(c + 1)
        .trim()
        .toLowerCase();
      if (name === "content-length") {
        if (!/^\d+$/.test(value)) throw new Error("bad content-length");
        length = Number(value);
      } else if (name === "transfer-encoding") {
        chunked = value.split(",").some((v) => v.trim() === "chunked");
      } else if (name === "connection") {
        if (value.includes("close")) close = true;
        else if (value.includes("keep-alive")) close = false;
      }
    }
    this.status = status;
    this.close = close;
    if (this.head || status === 204 || status === 304) {
      this.state = "length";
      this.remaining = 0;
    } else if (chunked) {
      this.state = "chunk-size";
    } else if (length !== undefined) {
      this.state = "length";
      this.remaining = length;
    } else {
      this.state = "eof";
      this.close = true;
    }
    return false;
  }

  private finish(rest: number): { response: Http1Response; rest: number } {
    const response = { status: this.status, bodyBytes: this.bodyBytes, close: this.close };
    this.state = "head";
    this.status = 0;
    this.close = false;
    this.bodyBytes = 0;
    return { response, rest };
  }
}
