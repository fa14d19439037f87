// The backend every system forwards to, pinned to the generator core: nginx for HTTP/1.1 and
// HTTP/2 (1 KiB bodies, HTTP/1.1 on a second port as well), a node:http2 gRPC echo, and a TCP
// source for stream throughput.

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { backendNginxConf, type Ports } from "./configs.ts";
import { freePort, hasTool, type Proc, startPinned, stop, waitPort } from "./procs.ts";
import { freePorts } from "./systems.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NODE = `${ROOT}node_modules/node/bin/node`;

export interface Backend {
  readonly ports: Ports;
  /** The same HTTP/1.1 server on a second port: backend B of the config-churn scenario. */
  readonly http1b: number;
  readonly procs: readonly Proc[];
  /** Which program serves HTTP: nginx, or node:http when nginx is missing. */
  readonly http: string;
}

export async function startBackend(dir: string, cpus: string): Promise<Backend> {
  const ports = await freePorts();
  const http1b = await freePort();
  const procs: Proc[] = [];
  const http = hasTool("nginx") ? "nginx" : "node:http";
  try {
    let web: Proc;
    if (http === "nginx") {
      const conf = `${dir}/backend-nginx.conf`;
      writeFileSync(conf, backendNginxConf(dir, ports, http1b));
      const args = ["-p", dir, "-c", conf, "-e", `${dir}/backend-nginx.error.log`];
      web = startPinned("backend-nginx", cpus, "nginx", args, `${dir}/backend-nginx.log`);
    } else {
      const args = [
        `${ROOT}bench/tools/http-backend.ts`,
        ...[ports.http1, ports.h2, http1b].map(String),
      ];
      web = startPinned("backend-http", cpus, NODE, args, `${dir}/backend-http.log`);
    }
    procs.push(web);
    await waitPort(web, ports.http1);
    await waitPort(web, ports.h2);
    await waitPort(web, http1b);
    const grpc = startPinned(
      "backend-grpc",
      cpus,
      NODE,
      [`${ROOT}bench/tools/grpc-echo.ts`, String(ports.grpc)],
      `${dir}/backend-grpc.log`,
    );
    procs.push(grpc);
    await waitPort(grpc, ports.grpc);
    const tcp = startPinned(
      "backend-tcp",
      cpus,
      NODE,
      [`${ROOT}bench/tools/tcp-source.ts`, String(ports.tcp)],
      `${dir}/backend-tcp.log`,
    );
    procs.push(tcp);
    await waitPort(tcp, ports.tcp);
  } catch (err) {
    for (const p of procs) await stop(p);
    throw err;
  }
  return { ports, http1b, procs, http };
}
