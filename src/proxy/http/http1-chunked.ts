// Incremental decoder for the chunked transfer coding (RFC 9112 §7.1): hex chunk sizes with no
// surrounding whitespace and a bounded digit count (no overflow), chunk extensions checked against
// their grammar and dropped, CRLF required after every chunk, trailer fields checked like header
// fields and collected. Anything else fails, because a second parser would frame it differently.

import { HeaderMap } from "./headers.ts";
import { Http1Error } from "./http1-parser.ts";

const CR = 13;
const LF = 10;
// 13 hex digits stay below 2^53; leading zeros beyond that are still fine
const MAX_SIZE = 2 ** 52;
const MAX_LINE = 4096;

// chunk-size [ chunk-ext ]: HEXDIG+ then *( BWS ";" BWS token [ BWS "=" BWS ( token / quoted ) ] )
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const QUOTED =
  '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t \\x21-\\x7e\\x80-\\xff])*"';
const SIZE_LINE = new RegExp(
  `^([0-9A-Fa-f]+)((?:[ \\t]*;[ \\t]*${TOKEN}(?:[ \\t]*=[ \\t]*(?:${TOKEN}|${QUOTED}))?)*)$`,
);
const FIELD_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t \x21-\x7e\x80-\xff]*$/;

const SIZE = 0;
const DATA = 1;
const DATA_END = 2;
const TRAILER = 3;
const DONE = 4;

export class ChunkedDecoder {
  private state = SIZE;
  private remaining = 0;
  private line = "";
  private trailerBytes = 0;
  private readonly maxTrailerBytes: number;
  /** Trailer fields, names lowercased, once the message has any. */
  trailers: HeaderMap | undefined;

  constructor(maxTrailerBytes: number) {
    this.maxTrailerBytes = maxTrailerBytes;
  }

  get done(): boolean {
    return this.state === DONE;
  }

  /**
   * Decodes from `buf[at..]`, handing body bytes to `onData`; returns the index after what it used
   * (the whole buffer unless the message ended inside it: the rest is the next request).
   */
  decode(buf: Buffer, at: number, onData: (chunk: Buffer) => void): number {
    let i = at;
    while (i < buf.length && this.state !== DONE) {
      if (this.state === DATA) {
        const n = Math.min(this.remaining, buf.length - i);
        onData(buf.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = DATA_END;
        continue;
      }
      // line states: SIZE, DATA_END (an empty line) and TRAILER
      const lf = buf.indexOf(LF, i);
      const stop = lf < 0 ? buf.length : lf + 1;
      this.line += buf.toString("latin1", i, stop);
      i = stop;
      if (this.line.length > MAX_LINE) throw new Http1Error(400, "chunk line too long");
      if (lf < 0) {
        // a CR can only be the last byte seen so far
        const cr = this.line.indexOf("\r");
        if (cr >= 0 && cr !== this.line.length - 1) throw new Http1Error(400, "bare CR in chunk");
        continue;
      }
      const line = this.line;
      this.line = "";
      if (line.length < 2 || line.charCodeAt(line.length - 2) !== CR)
        throw new Http1Error(400, "bare LF in chunked body");
      this.onLine(line.slice(0, -2));
    }
    return i;
  }

  private onLine(line: string): void {
    if (line.includes("\r")) throw new Http1Error(400, "bare CR in chunked body");
    switch (this.state) {
      case SIZE: {
        const m = SIZE_LINE.exec(line);
        if (!m) throw new Http1Error(400, "invalid chunk size line");
        const size = Number.parseInt(m[1], 16);
        if (!(size < MAX_SIZE)) throw new Http1Error(400, "chunk size too large");
        this.remaining = size;
        this.state = size === 0 ? TRAILER : DATA;
        return;
      }
      case DATA_END:
        if (line !== "") throw new Http1Error(400, "chunk data longer than its size");
        this.state = SIZE;
        return;
      default: {
        if (line === "") {
          this.state = DONE;
          return;
        }
        this.trailerBytes += line.length + 2;
        if (this.trailerBytes > this.maxTrailerBytes)
          throw new Http1Error(431, "trailers too large");
        if (!FIELD_LINE.test(line)) throw new Http1Error(400, "invalid trailer field");
        const colon = line.indexOf(":");
        this.trailers ??= new HeaderMap();
        this.trailers.add(line.slice(0, colon), line.slice(colon + 1).trim());
      }
    }
  }
}
