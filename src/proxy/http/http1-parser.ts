// HTTP/1.1 request-head parsing by RFC 9112, strict where a lenient reading lets two parsers frame
// a message differently (request smuggling) and lenient only where the RFC allows it without that
// risk: CRLF line endings only (a bare CR or LF is an error, never a line break), no obs-fold, no
// whitespace before the colon, no CTLs in names or values, exactly one well-formed Content-Length,
// Transfer-Encoding only in HTTP/1.1 with chunked once and last, never both, exactly one Host.
// Whatever passes is re-framed by the proxy, so the upstream sees one framing only.

import { HeaderMap } from "./headers.ts";

/** A request the codec must refuse: the status to answer before closing the connection. */
export class Http1Error extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface RequestHead {
  readonly method: string;
  /** Request target as received, Latin-1 decoded (one char per byte). */
  readonly target: string;
  /** 0 for HTTP/1.0; 1 for HTTP/1.1 and any later 1.x (answered as 1.1, RFC 9110 §6.2). */
  readonly minor: number;
  /** Field lines in order, names lowercased, Host included. */
  readonly headers: HeaderMap;
  readonly host: string | undefined;
  readonly chunked: boolean;
  /** -1 when the request has no Content-Length (no body unless chunked). */
  readonly contentLength: number;
  readonly keepAlive: boolean;
  /** Lowercased Upgrade protocol list when Connection names "upgrade". */
  readonly upgrade: string | undefined;
  readonly expectContinue: boolean;
}

export interface HeadLimits {
  readonly maxHeaderBytes: number;
  readonly maxHeadersCount: number;
}

const CR = 13;
const LF = 10;

// tchar (RFC 9110 §5.6.2): the bytes a method, field name or transfer-coding may hold
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

// field-value bytes (RFC 9110 §5.5): VCHAR, SP, HTAB and obs-text; CTLs (NUL, CR, LF…) never
const VALUE = new Uint8Array(256).fill(1);
for (let c = 0; c < 0x20; c++) VALUE[c] = 0;
VALUE[0x09] = 1;
VALUE[0x7f] = 0;

// request-target bytes: any visible byte incl. obs-text (raw UTF-8 paths exist), no SP or CTL
const TARGET = new Uint8Array(256).fill(1);
for (let c = 0; c <= 0x20; c++) TARGET[c] = 0;
TARGET[0x7f] = 0;

// Host: reg-name / IP-literal characters and a port (RFC 3986 §3.2.2)
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]*)(:\d*)?$/;

const TRANSFER_CODINGS = new Set([
  "chunked",
  "gzip",
  "x-gzip",
  "deflate",
  "compress",
  "x-compress",
  "identity",
]);

function isToken(s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (TCHAR[s.charCodeAt(i)] !== 1) return false;
  return true;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isOws(s.charCodeAt(a))) a++;
  while (b > a && isOws(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Where the head ends in `buf` (the index after the empty line), -1 when more bytes are needed.
 * Every LF must follow a CR, so a bare LF fails as soon as it arrives instead of waiting for a
 * head end that a CRLF-only reader would never find. `from` skips what an earlier call checked.
 */
export function findHeadEnd(buf: Buffer, from: number, limit: number): number {
  let i = buf.indexOf(LF, from);
  while (i >= 0) {
    if (i === 0 || buf[i - 1] !== CR) throw new Http1Error(400, "bare LF in request head");
    if (i >= 3 && buf[i - 2] === LF && buf[i - 3] === CR) {
      if (i + 1 > limit) throw new Http1Error(431, "request headers too large");
      return i + 1;
    }
    i = buf.indexOf(LF, i + 1);
  }
  if (buf.length > limit) throw new Http1Error(431, "request headers too large");
  return -1;
}

/** Number of leading empty lines (CRLF) before a request line, which RFC 9112 §2.2 lets us skip. */
export function leadingEmptyLines(buf: Buffer, at: number): number {
  let i = at;
  while (i + 1 < buf.length && buf[i] === CR && buf[i + 1] === LF) i += 2;
  return i - at;
}

function parseRequestLine(line: string): { method: string; target: string; minor: number } {
  const sp1 = line.indexOf(" ");
  if (sp1 <= 0 || !isToken(line, 0, sp1)) throw new Http1Error(400, "invalid method");
  const sp2 = line.indexOf(" ", sp1 + 1);
  if (sp2 < 0) throw new Http1Error(400, "HTTP/0.9 request or missing version");
  for (let i = sp1 + 1; i < sp2; i++)
    if (TARGET[line.charCodeAt(i)] !== 1) throw new Http1Error(400, "invalid request target");
  const version = line.slice(sp2 + 1);
  const m = /^HTTP\/(\d)\.(\d)$/.exec(version);
  if (!m) throw new Http1Error(400, "invalid HTTP version");
  if (m[1] !== "1") throw new Http1Error(505, "HTTP version not supported");
  return {
    method: line.slice(0, sp1),
    target: line.slice(sp1 + 1, sp2),
    minor: m[2] === "0" ? 0 : 1,
  };
}

/** Transfer-Encoding list → chunked or not; anything a second parser could frame otherwise fails. */
function parseTransferEncoding(values: string[]): boolean {
  const codings: string[] = [];
  for (const v of values) {
    for (const element of v.split(",")) {
      const e = trimOws(element);
      if (!e) continue;
      const semi = e.indexOf(";");
      const name = trimOws(semi >= 0 ? e.slice(0, semi) : e).toLowerCase();
      if (!isToken(name)) throw new Http1Error(400, `invalid transfer-coding "${name}"`);
      if (semi >= 0) checkParameters(e.slice(semi + 1));
      if (!TRANSFER_CODINGS.has(name))
        throw new Http1Error(400, `unknown transfer-coding "${name}"`);
      codings.push(name);
    }
  }
  const chunked = codings.filter((c) => c === "chunked").length;
  if (chunked > 1) throw new Http1Error(400, "chunked applied more than once");
  // RFC 9112 §6.3: a request whose final coding is not chunked has no reliable length
  if (codings.at(-1) !== "chunked") throw new Http1Error(400, "chunked is not the final coding");
  return true;
}

// transfer-parameter = token BWS "=" BWS ( token / quoted-string ); bare tokens and empty ones
// (";custom_param;") are tolerated because they change nothing about the framing
function checkParameters(params: string): void {
  for (const p of params.split(";")) {
    const t = trimOws(p);
    if (!t) continue;
    const eq = t.indexOf("=");
    const name = trimOws(eq >= 0 ? t.slice(0, eq) : t);
    if (!isToken(name)) throw new Http1Error(400, "invalid transfer-coding parameter");
    if (eq < 0) continue;
    const value = trimOws(t.slice(eq + 1));
    if (
      !isToken(value) &&
      !/^"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"$/.test(value)
    )
      throw new Http1Error(400, "invalid transfer-coding parameter value");
  }
}

/** Parses one complete request head (`text` is the Latin-1 decoded head, final CRLFCRLF included). */
export function parseRequestHead(text: string, limits: HeadLimits): RequestHead {
  let eol = text.indexOf("\r\n");
  const { method, target, minor } = parseRequestLine(text.slice(0, eol));
  const headers = new HeaderMap();
  let host: string | undefined;
  let hostCount = 0;
  let contentLength = -1;
  const te: string[] = [];
  let connection = "";
  let upgrade: string | undefined;
  let expect: string | undefined;
  let count = 0;
  let pos = eol + 2;
  const end = text.length - 2;
  while (pos < end) {
    eol = text.indexOf("\r\n", pos);
    const c0 = text.charCodeAt(pos);
    if (isOws(c0)) throw new Http1Error(400, "obsolete line folding");
    const colon = text.indexOf(":", pos);
    if (colon < 0 || colon > eol) throw new Http1Error(400, "header line without a colon");
    if (!isToken(text, pos, colon)) throw new Http1Error(400, "invalid header name");
    if (++count > limits.maxHeadersCount) throw new Http1Error(431, "too many headers");
    for (let i = colon + 1; i < eol; i++)
      if (VALUE[text.charCodeAt(i)] !== 1) throw new Http1Error(400, "invalid header value");
    const name = text.slice(pos, colon).toLowerCase();
    const value = trimOws(text.slice(colon + 1, eol));
    headers.addLower(name, value);
    pos = eol + 2;
    switch (name) {
      case "content-length":
        if (contentLength >= 0) throw new Http1Error(400, "multiple content-length");
        if (!/^\d{1,15}$/.test(value)) throw new Http1Error(400, "invalid content-length");
        contentLength = Number(value);
        break;
      case "transfer-encoding":
        te.push(value);
        break;
      case "host":
        hostCount++;
        host = value;
        break;
      case "connection":
        connection = connection ? `${connection},${value.toLowerCase()}` : value.toLowerCase();
        break;
      case "upgrade":
        upgrade = upgrade ? `${upgrade},${value}` : value;
        break;
      case "expect":
        expect = value.toLowerCase();
        break;
    }
  }
  if (hostCount > 1) throw new Http1Error(400, "multiple host headers");
  if (host !== undefined && !HOST.test(host)) throw new Http1Error(400, "invalid host header");
  if (minor === 1 && hostCount === 0) throw new Http1Error(400, "missing host header");
  let chunked = false;
  if (te.length) {
    if (minor === 0) throw new Http1Error(400, "transfer-encoding in an HTTP/1.0 request");
    if (contentLength >= 0) throw new Http1Error(400, "both transfer-encoding and content-length");
    chunked = parseTransferEncoding(te);
  }
  const tokens = connection ? connection.split(",").map(trimOws) : [];
  const keepAlive =
    minor === 1
      ? !tokens.includes("close")
      : tokens.includes("keep-alive") && !tokens.includes("close");
  return {
    method,
    target,
    minor,
    headers,
    host,
    chunked,
    contentLength,
    keepAlive,
    upgrade:
      upgrade !== undefined && tokens.includes("upgrade") ? upgrade.toLowerCase() : undefined,
    expectContinue: minor === 1 && expect === "100-continue",
  };
}
