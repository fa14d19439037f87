// Http1ResponseReader: HTTP/1.1 responses split across reads (Content-Length, chunked).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Http1ResponseReader } from "../../src/loadgen/http1-response.ts";

function feed(reader: Http1ResponseReader, parts: string[]) {
  let got: ReturnType<Http1ResponseReader["push"]>;
  for (const p of parts) {
    got = reader.push(Buffer.from(p, "latin1"));
    if (got) return got;
  }
  return undefined;
}

describe("Http1ResponseReader", () => {
  it("reads a Content-Length body split across reads", () => {
    const r = new Http1ResponseReader();
    const got = feed(r, ["HTTP/1.1 200 OK\r\nContent-", "Length: 5\r\n\r\nab", "cde"]);
    assert.deepEqual(got, { response: { status: 200, bodyBytes: 5, close: false }, rest: 0 });
  });

  it("reads chunked bodies with extensions and trailers, one byte at a time", () => {
    const text =
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n";
    const r = new Http1ResponseReader();
    const got = feed(r, [...text]);
    assert.deepEqual(got?.response, { status: 201, bodyBytes: 19, close: false });
  });

  it("skips 100 Continue and honours Connection: close and HTTP/1.0", () => {
    const r = new Http1ResponseReader();
    const got = feed(r, [
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    ]);
    assert.deepEqual(got?.response, { status: 503, bodyBytes: 0, close: true });
    const r10 = new Http1ResponseReader();
    assert.equal(
      feed(r10, ["HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"])?.response.close,
      true,
    );
  });

  it("reads a body delimited by close, and 204 without a body", () => {
    const r = new Http1ResponseReader();
    assert.equal(feed(r, ["HTTP/1.1 200 OK\r\n\r\nhello"]), undefined);
    assert.deepEqual(r.end(), { status: 200, bodyBytes: 5, close: true });
    const n = new Http1ResponseReader();
    assert.equal(feed(n, ["HTTP/1.1 204 No Content\r\n\r\n"])?.response.bodyBytes, 0);
  });

  it("reports bytes beyond the response and rejects garbage", () => {
    const r = new Http1ResponseReader();
    assert.equal(feed(r, ["HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA"])?.rest, 5);
    assert.throws(
      () => new Http1ResponseReader().push(Buffer.from("SSH-2.0-x\r\n\r\n")),
      /bad status line/,
    );
    assert.throws(
      () =>
        new Http1ResponseReader().push(
          Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
        ),
      /content-length/,
    );
  });
});
