// HTTP/1.1 request smuggling conformance: every case of ../shared/desync-corpus (aws
// http-desync-guardian) is rendered to raw bytes, sent through the proxy to a raw-recording
// strict backend, and judged by the corpus README's rules. Prints `conformance desync: N/M`.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { after, before, test } from "node:test";
import { parse } from "yaml";
import { SHARED } from "../helpers/paths.ts";
import { httpListener, startProxy, staticCluster, type TestProxy } from "./helpers.ts";

const DIR = `${SHARED}desync-corpus/`;

interface Case {
  name: string;
  uri: string;
  method: string;
  version: string;
  headers: { name: string; value: string | number }[] | null;
  expected: { tier: "Compliant" | "Acceptable" | "Ambiguous" | "Severe" };
}

interface Upstream {
  method: string;
  url: string;
  rawHeaders: string[];
  body: Buffer;
}

// "\xNN" escapes in the YAML are single bytes; real non-Latin-1 text (Cyrillic URIs) is UTF-8
const latin1 = (s: string) =>
  Buffer.from(s, [...s].some((ch) => ch.charCodeAt(0) > 0xff) ? "utf8" : "latin1");

function render(c: Case): { bytes: Buffer; body: Buffer } {
  const headers = (c.headers ?? []).map((h) => ({ name: String(h.name), value: String(h.value) }));
  const line = c.version === "" ? `${c.method} ${c.uri}` : `${c.method} ${c.uri} ${c.version}`;
  if (c.version === "HTTP/1.1" && !headers.some((h) => h.name.toLowerCase() === "host")) {
    headers.push({ name: "Host", value: "localhost" });
  }
  const te = headers.find((h) => h.name.toLowerCase().includes("transfer-encoding"));
  const cl = headers.find((h) => h.name.toLowerCase() === "content-length");
  let wire = Buffer.alloc(0);
  let body = Buffer.alloc(0);
  if (te) {
    body = Buffer.from("hello");
    wire = Buffer.from("5\r\nhello\r\n0\r\n\r\n");
  } else if (cl) {
    const n = Number(/\d+/.exec(cl.value)?.[0] ?? 0);
    body = Buffer.alloc(n <= 8 * 1024 * 1024 ? n : 0, "x");
    wire = body;
  }
  const head = [line, ...headers.map((h) => `${h.name}: ${h.value}`)].join("\r\n");
  return { bytes: Buffer.concat([latin1(`${head}\r\n\r\n`), wire]), body };
}

/** Sends raw bytes and collects the answer until the proxy closes or one response is complete. */
function exchange(port: number, bytes: Buffer): Promise<{ response: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    let closed = false;
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve({ response: buf.toString("latin1"), closed });
    };
    const timer = setTimeout(done, 1500);
    s.on("error", () => undefined);
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const text = buf.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? -1);
      // wait briefly for a close after a complete response: rejections must close
      if (len >= 0 && buf.length >= end + 4 + len) setTimeout(done, 50);
    });
    s.on("close", () => {
      closed = true;
      done();
    });
    s.write(bytes);
  });
}

/**
 * The target a compliant request must reach the upstream with: the one sent, in the only forms a
 * strict upstream accepts without changing the URI: absolute-form as origin-form (RFC 9112
 * §3.2.1), an empty path as "/" (RFC 9110 §4.2.3), raw non-ASCII bytes percent-encoded (RFC 3987
 * §3.1). Everything else byte for byte, #fragment too.
 */
function forwardedTarget(uri: string): Buffer {
  const origin = uri.replace(/^https?:\/\/[^/?#]*/i, "");
  const raw = latin1(origin === "" ? "/" : origin).toString("latin1");
  return Buffer.from(
    raw.replace(/[\x80-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    "latin1",
  );
}

function unambiguous(u: Upstream): boolean {
  const names = u.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  const vals = u.rawHeaders.filter((_, i) => i % 2 === 1);
  const cls = names.filter((n) => n === "content-length");
  const tes = names
    .map((n, i) => (n === "transfer-encoding" ? vals[i] : undefined))
    .filter((v) => v !== undefined);
  if (cls.length > 1 || tes.length > 1) return false;
  if (cls.length && tes.length) return false;
  if (tes.length && tes[0].toLowerCase() !== "chunked") return false;
  const cl = vals[names.indexOf("content-length")];
  return cl === undefined || /^\d+$/.test(cl);
}

let backendServer: net.Server;
let seen: Upstream[] = [];
let rawBytes = 0;
let px: TestProxy;
const available = existsSync(DIR);

before(async () => {
  if (!available) return;
  const h = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
      });
      res.end("ok");
    });
  });
  h.on("clientError", (_e, sock) => sock.destroy());
  backendServer = net.createServer((sock) => {
    sock.on("data", (d: Buffer) => {
      rawBytes += d.length;
    });
    h.emit("connection", sock);
  });
  await new Promise<void>((r) => backendServer.listen(0, "127.0.0.1", r));
  const port = (backendServer.address() as net.AddressInfo).port;
  const routes = {
    name: "r",
    virtual_hosts: [
      {
        name: "all",
        domains: ["*"],
        routes: [{ match: { prefix: "" }, route: { cluster: "backend" } }],
      },
    ],
  };
  px = await startProxy({
    static_resources: {
      listeners: [httpListener("desync", routes)],
      clusters: [staticCluster("backend", port)],
    },
  });
});

after(async () => {
  await px?.stop();
  backendServer?.close();
});

test("desync corpus: nothing ambiguous reaches the upstream", {
  skip: available ? false : `no corpus at ${DIR}`,
}, async () => {
  const cases: [string, Case][] = [];
  for (const f of readdirSync(DIR)
    .filter((x) => x.endsWith(".yaml"))
    .sort()) {
    for (const c of parse(readFileSync(DIR + f, "utf8")) as Case[]) cases.push([f, c]);
  }
  const failures: string[] = [];
  const port = px.port("desync");
  for (const [file, c] of cases) {
    seen = [];
    rawBytes = 0;
    const { bytes, body } = render(c);
    const { response, closed } = await exchange(port, bytes);
    await new Promise((r) => setTimeout(r, 10));
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1] ?? 0);
    const tier = c.expected.tier;
    let why: string | undefined;
    if (tier === "Severe") {
      if (seen.length || rawBytes)
        why = `reached the upstream (${seen.length} requests, ${rawBytes} bytes)`;
      else if (status < 400 || status > 499) why = `answered ${status || "nothing"}, expected 4xx`;
      else if (!closed) why = "connection left open after the rejection";
    } else if (tier === "Compliant") {
      const u = seen[0];
      if (seen.length !== 1 || !u) why = `upstream saw ${seen.length} requests`;
      else if (
        u.method !== c.method ||
        !Buffer.from(u.url, "latin1").equals(forwardedTarget(c.uri))
      )
        why = `upstream saw ${u.method} ${u.url}`;
      else if (!u.body.equals(body))
        why = `body changed (${u.body.length} bytes, sent ${body.length})`;
      else if (status !== 200) why = `client got ${status}`;
    } else {
      if (seen.length > 1) why = `upstream saw ${seen.length} requests`;
      else if (seen.length === 1 && !unambiguous(seen[0]))
        why = `ambiguous framing upstream: ${seen[0].rawHeaders.join("|")}`;
      else if (seen.length === 0 && rawBytes)
        why = `${rawBytes} unparseable bytes reached the upstream`;
      else if (seen.length === 0 && (status < 400 || status > 599))
        why = `neither forwarded nor rejected (status ${status || "none"})`;
    }
    if (why)
      failures.push(`${file} [${tier}] ${c.name}: ${why} (client got ${status || "nothing"})`);
  }
  const passed = cases.length - failures.length;
  console.log(`conformance desync: ${passed}/${cases.length}`);
  for (const f of failures) console.log(`  failed: ${f}`);
  // the proxy must still be serving after all of it
  const probe = await exchange(port, Buffer.from("GET /alive HTTP/1.1\r\nHost: x\r\n\r\n"));
  assert.match(probe.response, /^HTTP\/1\.1 200/);
  assert.deepEqual(failures, []);
  assert.equal(passed, cases.length);
});
