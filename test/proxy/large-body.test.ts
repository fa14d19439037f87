// `mast proxy` as a real process: a 200 MB upload and a 200 MB download (with a slow reader)
// stream through it with bounded memory: the proxy's peak RSS grows far less than the body size.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { type Started, startMastProxy } from "../helpers/process.ts";
import { httpListener, staticCluster } from "./helpers.ts";

// 200 MB each way: buffering a body would show as growth beyond the bound; GC slack does not scale
const SIZE = Number(process.env.BIG_MB ?? 200) * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, "m");

function bodyStream(size: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      sent += CHUNK.length;
      this.push(CHUNK);
    },
  });
}

let backend: http.Server;
let uploaded = 0;
let proxy: Started;
let port = 0;

before(async () => {
  backend = http.createServer((req, res) => {
    if (req.method === "POST") {
      req.on("data", (c: Buffer) => {
        uploaded += c.length;
      });
      req.on("end", () => res.end("ok"));
      return;
    }
    res.writeHead(200, { "content-length": String(SIZE) });
    bodyStream(SIZE).pipe(res);
  });
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
  const dir = mkdtempSync(join(tmpdir(), "mast-proxy-"));
  const routes = {
    name: "r",
    virtual_hosts: [
      {
        name: "vh",
        domains: ["*"],
        routes: [{ match: { prefix: "/" }, route: { cluster: "b", timeout: "0s" } }],
      },
    ],
  };
  const bootstrap = {
    static_resources: {
      listeners: [
        {
          ...httpListener("big", routes),
          address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
        },
      ],
      clusters: [staticCluster("b", (backend.address() as AddressInfo).port)],
    },
  };
  writeFileSync(join(dir, "bootstrap.json"), JSON.stringify(bootstrap));
  proxy = await startMastProxy(join(dir, "bootstrap.json"), { MAST_HOME: dir });
  const listeners = await fetch(`http://127.0.0.1:${proxy.match[1]}/listeners`).then((r) =>
    r.text(),
  );
  port = Number(/^big::127\.0\.0\.1:(\d+)$/m.exec(listeners)?.[1]);
});

after(async () => {
  await proxy?.stop();
  backend?.close();
});

function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return kb / 1024;
}

test("200 MB upload and slow-read 200 MB download with bounded proxy memory", async () => {
  const base = peakRssMb(proxy.child.pid!);
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/up" }, (res) => {
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", reject);
    bodyStream(SIZE).pipe(req);
  });
  assert.equal(uploaded, SIZE);
  const afterUp = peakRssMb(proxy.child.pid!);
  let downloaded = 0;
  await new Promise<void>((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/down" }, (res) => {
        // a slow reader: stall for a while mid-body, so backpressure has to reach the upstream
        res.on("data", (c: Buffer) => {
          downloaded += c.length;
          if (downloaded > 10 * 1024 * 1024 && downloaded - c.length <= 10 * 1024 * 1024) {
            res.pause();
            setTimeout(() => res.resume(), 500);
          }
        });
        res.on("end", resolve);
        res.on("error", reject);
      })
      .on("error", reject);
  });
  assert.equal(downloaded, SIZE);
  const peak = peakRssMb(proxy.child.pid!);
  console.log(
    `proxy peak RSS: ${base.toFixed(0)} MB at start, ${afterUp.toFixed(0)} MB after the upload, ${peak.toFixed(0)} MB after the download`,
  );
  assert.ok(peak - base < 120, `peak RSS grew from ${base} to ${peak} MB`);
});
