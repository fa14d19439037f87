// A port of Go's url.ParseRequestURI: accepts and rejects what Go does.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostname, parseRequestUri, port } from "../../../src/api/schema/go-url.ts";

describe("Go's url.ParseRequestURI", () => {
  it("parses absolute URIs and absolute paths", () => {
    const u = parseRequestUri("HTTPS://user@example.com:8443/a/b?x=1");
    assert.deepEqual(
      { scheme: u.scheme, host: u.host, path: u.path, q: u.rawQuery },
      { scheme: "https", host: "example.com:8443", path: "/a/b", q: "x=1" },
    );
    assert.equal(hostname(u.host), "example.com");
    assert.equal(port(u.host), "8443");
    assert.equal(parseRequestUri("/only/path").scheme, "");
    assert.equal(parseRequestUri("mailto:x@example.com").opaque, "x@example.com");
    assert.equal(hostname("[::1]:80"), "::1");
  });

  it("rejects what Go rejects, with Go's words", () => {
    const cases: [string, RegExp][] = [
      ["", /empty url/],
      ["relative/path", /invalid URI for request/],
      ["#%blah$#@", /invalid URI for request/],
      ["http://#%blah$#@", /invalid userinfo/],
      ["hTPp\\\blah", /invalid control character/],
      ["http://host:port/", /invalid port ":port" after host/],
      ["http://a b/", /invalid character " " in host name/],
      ["http://h/%zz", /invalid URL escape "%zz"/],
      [":nope", /missing protocol scheme/],
    ];
    for (const [raw, message] of cases) assert.throws(() => parseRequestUri(raw), message, raw);
  });
});
