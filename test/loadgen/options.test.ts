// mast load options: fortio's defaults and flag parsing.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LoadOptionError, parseDuration, parseLoadOptions } from "../../src/loadgen/options.ts";

describe("mast load options", () => {
  it("has fortio's defaults", () => {
    const o = parseLoadOptions("127.0.0.1:8080", {});
    assert.equal(o.url.href, "http://127.0.0.1:8080/");
    assert.equal(o.protocol, "http1");
    assert.equal(o.qps, 8);
    assert.equal(o.connections, 4);
    assert.equal(o.durationSec, 5);
    assert.equal(o.requests, undefined);
    assert.deepEqual(o.percentiles, [50, 90, 99, 99.9]);
  });

  it("parses rates, counts, durations, headers and gRPC's default method", () => {
    const o = parseLoadOptions("http://h:1", {
      qps: "0",
      requests: "10",
      duration: "250ms",
      grpc: true,
      streams: "8",
      header: ["X-A: b c"],
      percentiles: "50,99.99",
    });
    assert.equal(o.qps, 0);
    assert.equal(o.requests, 10);
    assert.equal(o.durationSec, 0.25);
    assert.equal(o.protocol, "grpc");
    assert.equal(o.url.pathname, "/mast.load.Echo/Echo");
    assert.deepEqual(o.headers, [["x-a", "b c"]]);
    assert.deepEqual(o.percentiles, [50, 99.99]);
    assert.equal(parseDuration("-t", "2m"), 120);
  });

  it("names the flag in every error", () => {
    const bad: [string, Parameters<typeof parseLoadOptions>[1], RegExp][] = [
      ["h:1", { qps: "fast" }, /^-qps: "fast"/],
      ["h:1", { connections: "0" }, /^-c: "0" must be a number >= 1/],
      ["h:1", { connections: "1.5" }, /^-c: .* whole number/],
      ["h:1", { duration: "5x" }, /^-t: "5x" is not a duration/],
      ["h:1", { header: ["nocolon"] }, /^-H: "nocolon"/],
      ["h:1", { percentiles: "50,101" }, /^-p: "101"/],
      ["h:1", { h2: true, grpc: true }, /choose one/],
      ["h:1", { h2: true, keepalive: false }, /^--no-keepalive/],
      ["h:1", { streams: "4" }, /^-m\/--streams/],
      ["https://h:1", {}, /^url: scheme https:/],
    ];
    for (const [url, flags, re] of bad) {
      assert.throws(
        () => parseLoadOptions(url, flags),
        (e: unknown) => e instanceof LoadOptionError && re.test(e.message),
      );
    }
  });
});
