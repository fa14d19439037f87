// Shared pieces of the proxy tests: an echo backend that records what reached it, a bootstrap
// builder, a proxy runner that picks free ports, and curl.

import { execFile } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseBootstrap } from "../../src/proxy/bootstrap.ts";
import { type RunningProxy, runProxy } from "../../src/proxy/run.ts";

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  /** Which of the server's connections (numbered from 1) the request came on. */
  connection: number;
}

export interface Backend {
  readonly port: number;
  readonly seen: Seen[];
  close(): Promise<void>;
}

/** An HTTP/1.1 server answering 200 "<name> <method> <url>" and recording each request. */
export async function startBackend(
  name: string,
  handler?: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void,
): Promise<Backend> {
  const seen: Seen[] = [];
  const connections = new WeakMap<object, number>();
  let connectionCount = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body,
        connection: connections.get(req.socket) ?? 0,
      });
      if (handler) return handler(req, res, body);
      res.setHeader("x-backend", name);
      res.end(`${name} ${req.method} ${req.url}`);
    });
  });
  server.on("connection", (socket) => connections.set(socket, ++connectionCount));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function staticCluster(name: string, port: number, extra: Record<string, unknown> = {}) {
  return {
    name,
    type: "STATIC",
    connect_timeout: "1s",
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [
            {
              endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } },
            },
          ],
        },
      ],
    },
    ...extra,
  };
}

export const HCM =
  "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
export const STDOUT_LOG =
  "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";
export const ROUTER = {
  name: "envoy.filters.http.router",
  typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
};

export function httpListener(
  name: string,
  routeConfig: unknown,
  hcmExtra: Record<string, unknown> = {},
) {
  return {
    name,
    address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
    filter_chains: [
      {
        filters: [
          {
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type": HCM,
              stat_prefix: name,
              route_config: routeConfig,
              http_filters: [ROUTER],
              access_log: [
                { name: "envoy.access_loggers.stdout", typed_config: { "@type": STDOUT_LOG } },
              ],
              ...hcmExtra,
            },
          },
        ],
      },
    ],
  };
}

export interface TestProxy {
  readonly running: RunningProxy;
  readonly logs: string[];
  port(listener: string): number;
  stop(): Promise<void>;
}

export async function startProxy(bootstrap: unknown, drainTimeMs = 1000): Promise<TestProxy> {
  const logs: string[] = [];
  const running = await runProxy({
    bootstrap: parseBootstrap(JSON.stringify(bootstrap), "test bootstrap"),
    adminPort: 0,
    readinessPort: 0,
    adminHost: "127.0.0.1",
    drainTimeMs,
    accessLog: (l) => logs.push(l),
  });
  return {
    running,
    logs,
    port: (l) => running.proxy.listeners.get(l)!.boundAddress().port,
    stop: () => running.stop(),
  };
}

export interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function curl(args: string[], input?: string): Promise<CurlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      "curl",
      ["-sS", "--max-time", "10", ...args],
      { maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Parses `curl -i` output into status, headers and body (last response wins). */
export function parseCurlI(out: string): {
  status: number;
  headers: Map<string, string>;
  body: string;
} {
  const parts = out.split("\r\n\r\n");
  let i = 0;
  while (i < parts.length - 1 && /^HTTP\/[\d.]+ 1\d\d/.test(parts[i])) i++;
  const head = parts[i].split("\r\n");
  const status = Number(head[0].split(" ")[1]);
  const headers = new Map<string, string>();
  for (const l of head.slice(1)) {
    const c = l.indexOf(":");
    headers.set(l.slice(0, c).toLowerCase(), l.slice(c + 1).trim());
  }
  return { status, headers, body: parts.slice(i + 1).join("\r\n\r\n") };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on its own connection (no keep-alive), so each is balanced afresh. */
export function request(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: opts.method ?? "GET",
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** A load_assignment endpoint on loopback, with EDS-style extras (health_status, weight). */
export function lbEndpoint(port: number, extra: Record<string, unknown> = {}) {
  return {
    endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } },
    ...extra,
  };
}

/** A bootstrap with one HTTP listener "l" routing everything to the clusters by route. */
export function routedBootstrap(
  routes: unknown[],
  clusters: unknown[],
  hcmExtra: Record<string, unknown> = {},
) {
  return {
    static_resources: {
      listeners: [
        httpListener(
          "l",
          { name: "r", virtual_hosts: [{ name: "vh", domains: ["*"], routes }] },
          hcmExtra,
        ),
      ],
      clusters,
    },
  };
}
