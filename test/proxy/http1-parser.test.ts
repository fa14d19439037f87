// The HTTP/1.1 request-head rules one by one (RFC 9112): what is accepted and how it is read,
// what is refused and with which status. The desync corpus covers the same ground end to end.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ChunkedDecoder } from "../../src/proxy/http/http1-chunked.ts";
import {
  findHeadEnd,
  Http1Error,
  leadingEmptyLines,
  parseRequestHead,
} from "../../src/proxy/http/http1-parser.ts";

const limits = { maxHeaderBytes: 1024, maxHeadersCount: 5 };
const head = (s: string) => parseRequestHead(s, limits);
const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof Http1Error) return e.status;
    throw e;
  }
  return 0;
};

test("accepted heads and how they read", () => {
  const h = head(
    'POST /a?b HTTP/1.1\r\nHost: x:80\r\nTransfer-Encoding: gzip, chunked;p="q r"\r\nConnection: close\r\n\r\n',
  );
  assert.equal(h.method, "POST");
  assert.equal(h.target, "/a?b");
  assert.equal(h.chunked, true);
  assert.equal(h.keepAlive, false);
  assert.equal(h.host, "x:80");
  // a later 1.x minor is read as 1.1; HTTP/1.0 needs no Host and keeps alive only when asked
  assert.equal(head("GET / HTTP/1.2\r\nHost: x\r\n\r\n").minor, 1);
  const old = head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  assert.deepEqual([old.minor, old.keepAlive, old.host], [0, true, undefined]);
  assert.equal(
    head("GET / HTTP/1.1\r\nHost: x\r\nContent-Length:  0042 \r\n\r\n").contentLength,
    42,
  );
  const up = head(
    "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n",
  );
  assert.equal(up.upgrade, "websocket");
  // Upgrade without "Connection: upgrade" is no upgrade
  assert.equal(head("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n\r\n").upgrade, undefined);
  const cont = head(
    "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n",
  );
  assert.equal(cont.expectContinue, true);
});

test("refused heads and their status", () => {
  const cases: [string, number][] = [
    ["GET / HTTP/1.1\r\n\r\n", 400], // no Host in 1.1
    ["GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1,1\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890123456\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", 400],
    ["GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nX\x01: a\r\n\r\n", 400],
    ["GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400],
    ["G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400],
    ["GET / http/1.1\r\nHost: x\r\n\r\n", 400],
    ["GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505],
    ["GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", 431],
  ];
  for (const [text, want] of cases)
    assert.equal(
      status(() => head(text)),
      want,
      JSON.stringify(text),
    );
});

test("head boundaries: CRLF only, leading empty lines skipped, size bounded", () => {
  const buf = Buffer.from("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nrest");
  const skip = leadingEmptyLines(buf, 0);
  assert.equal(skip, 4);
  assert.equal(findHeadEnd(buf.subarray(skip), 0, 1024), buf.length - skip - 4);
  assert.equal(findHeadEnd(Buffer.from("GET / HTTP/1.1\r\nHost"), 0, 1024), -1);
  assert.equal(
    status(() => findHeadEnd(Buffer.from("GET / HTTP/1.1\nHost"), 0, 1024)),
    400,
  );
  assert.equal(
    status(() => findHeadEnd(Buffer.alloc(2000, "a"), 0, 1024)),
    431,
  );
});

test("chunked bodies: extensions and trailers, sizes and line ends checked", () => {
  const d = new ChunkedDecoder(1024);
  const out: string[] = [];
  const wire = Buffer.from('4;a=1;b="x y"\r\nwiki\r\n0\r\nx-t: 1\r\n\r\nNEXT');
  const used = d.decode(wire, 0, (c) => out.push(c.toString()));
  assert.equal(out.join(""), "wiki");
  assert.ok(d.done);
  assert.equal(wire.subarray(used).toString(), "NEXT");
  assert.equal(d.trailers?.get("x-t"), "1");
  for (const bad of [
    "4 \r\nwiki\r\n0\r\n\r\n",
    "4\nwiki\r\n0\r\n\r\n",
    "4\r\nwikiX\r\n",
    "fffffffffffffff\r\n",
    "-1\r\n",
  ]) {
    assert.equal(
      status(() => new ChunkedDecoder(1024).decode(Buffer.from(bad), 0, () => undefined)),
      400,
      bad,
    );
  }
});
