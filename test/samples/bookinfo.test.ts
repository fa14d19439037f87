// Istio's Bookinfo, in TypeScript: each service runs as its own process and calls the others by
// their mesh names (http://reviews:9080) through an explicit HTTP proxy, as in the local mesh.

import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ROOT } from "../helpers/paths.ts";
import { type Started, startProcess } from "../helpers/process.ts";

const NODE = process.execPath;
const app = (name: string) => `${ROOT}samples/bookinfo/${name}.ts`;

/** name → port of the running service; the proxy routes by Host and can fail on purpose. */
const routes = new Map<string, number>();

function startProxy(): Promise<Server> {
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? "");
    const port = routes.get(target.hostname);
    if (port === undefined) {
      res.writeHead(503).end("no healthy upstream");
      return;
    }
    const up = request(
      {
        host: "127.0.0.1",
        port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", () => res.writeHead(503).end("upstream connect error"));
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function get(port: number, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers, redirect: "manual" });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe("Bookinfo in TypeScript", () => {
  const procs: Started[] = [];
  let proxy: Server;
  let proxyUrl: string;

  async function start(name: string, file: string, env: Record<string, string> = {}) {
    const p = await startProcess(NODE, [app(file)], {
      env: { PORT: "0", HOST: "127.0.0.1", NODE_USE_ENV_PROXY: "1", HTTP_PROXY: proxyUrl, ...env },
      ready: /listening on 127\.0\.0\.1:(\d+)/,
    });
    procs.push(p);
    const port = Number(p.match[1]);
    routes.set(name, port);
    return port;
  }

  before(async () => {
    proxy = await startProxy();
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    proxy.close();
  });

  it("details and ratings serve the original documents", async () => {
    const details = await start("details", "details");
    const ratings = await start("ratings", "ratings");
    const d = JSON.parse((await get(details, "/details/0")).text);
    assert.equal(d.author, "William Shakespeare");
    assert.equal(d["ISBN-13"], "123-1234567890");
    assert.deepEqual(JSON.parse((await get(ratings, "/ratings/0")).text), {
      id: 0,
      ratings: { Reviewer1: 5, Reviewer2: 4 },
    });
    assert.equal((await get(details, "/details/abc")).status, 400);
  });

  it("reviews v1 has no stars, v2 black stars, v3 red stars", async () => {
    const v1 = await start("reviews-v1", "reviews");
    const v2 = await start("reviews-v2", "reviews", {
      ENABLE_RATINGS: "true",
      STAR_COLOR: "black",
    });
    const v3 = await start("reviews-v3", "reviews", { ENABLE_RATINGS: "true", STAR_COLOR: "red" });
    const body = async (port: number) => JSON.parse((await get(port, "/reviews/0")).text);
    assert.equal((await body(v1)).reviews[0].rating, undefined);
    assert.deepEqual((await body(v2)).reviews[0].rating, { stars: 5, color: "black" });
    assert.deepEqual((await body(v3)).reviews[1].rating, { stars: 4, color: "red" });
    routes.delete("ratings");
    assert.deepEqual((await body(v2)).reviews[0].rating, {
      error: "Ratings service is currently unavailable",
    });
  });

  it("productpage renders details and reviews and forwards end-user after login", async () => {
    const seen: (string | undefined)[] = [];
    const spy = createServer((req, res) => {
      seen.push(req.headers["end-user"] as string | undefined);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "0",
          podname: "spy",
          reviews: [{ reviewer: "R", text: "t", rating: { stars: 3, color: "red" } }],
        }),
      );
    });
    await new Promise<void>((r) => spy.listen(0, "127.0.0.1", () => r()));
    try {
      routes.set("reviews", (spy.address() as AddressInfo).port);
      const page = await start("productpage", "productpage");
      const anon = await get(page, "/productpage");
      assert.equal(anon.status, 200);
      assert.match(anon.text, /The Comedy of Errors/);
      assert.match(anon.text, /<dt>Publisher:<\/dt><dd>PublisherA<\/dd>/);
      assert.equal((anon.text.match(/glyphicon-star"/g) ?? []).length, 3);
      assert.match(anon.text, /color: red/);
      const login = await fetch(`http://127.0.0.1:${page}/login`, {
        method: "POST",
        body: new URLSearchParams({ username: "jason", passwd: "" }),
        redirect: "manual",
      });
      assert.equal(login.status, 302);
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      const signedIn = await get(page, "/productpage", { cookie });
      assert.match(signedIn.text, /jason/);
      assert.deepEqual(seen, [undefined, "jason"]);

      routes.delete("reviews");
      const broken = await get(page, "/productpage");
      assert.match(broken.text, /Error fetching product reviews!/);
      const api = await get(page, "/api/v1/products/0/reviews");
      assert.equal(api.status, 503);
    } finally {
      spy.close();
    }
  });
});
