// istiod's monitoring port (15014): /metrics (Prometheus text), /ready, and the debug
// endpoints /debug/syncz, /debug/configz, /debug/config_dump?proxyID=, /debug/push_status.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { messageNameOf, TYPE_URL } from "../envoy/index.ts";
import { generate } from "./generators/index.ts";
import type { Pilot } from "./pilot.ts";

export class MonitoringServer {
  readonly #pilot: Pilot;
  #server: Server | undefined;

  constructor(pilot: Pilot) {
    this.#pilot = pilot;
  }

  listen(address: string): Promise<number> {
    const colon = address.lastIndexOf(":");
    const host = address.slice(0, colon) || "0.0.0.0";
    const port = Number(address.slice(colon + 1));
    const server = createServer((req, res) => this.#handle(req, res));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        const addr = server.address();
        resolve(typeof addr === "object" && addr ? addr.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server) return resolve();
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    const server = this.#pilot.server;
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    switch (url.pathname) {
      case "/ready":
        res.writeHead(200, { "content-type": "text/plain" }).end("ready\n");
        return;
      case "/metrics":
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(this.#metrics());
        return;
      case "/debug/syncz":
        json(200, server.status());
        return;
      case "/debug/push_status":
        json(200, {
          version: server.pushContext.version,
          connections: server.connections.length,
          services: server.pushContext.registry.services.length,
          ...server.stats,
        });
        return;
      case "/debug/configz":
        json(
          200,
          this.#pilot.store.list().map((r) => ({
            kind: r.kind.kind,
            apiVersion: r.apiVersion,
            metadata: r.metadata,
            spec: r.spec,
          })),
        );
        return;
      case "/debug/config_dump": {
        const id = url.searchParams.get("proxyID") ?? "";
        const conn = server.connections.find(
          (c) => c.proxy && (c.proxy.id === id || `${c.proxy.podName}.${c.proxy.namespace}` === id),
        );
        if (!conn?.proxy) {
          json(404, { error: `proxy ${JSON.stringify(id)} is not connected` });
          return;
        }
        const push = server.pushContext;
        const configs = [
          TYPE_URL.LISTENER,
          TYPE_URL.ROUTE_CONFIGURATION,
          TYPE_URL.CLUSTER,
          TYPE_URL.CLUSTER_LOAD_ASSIGNMENT,
        ].map((t) => ({
          type: messageNameOf(t),
          resources: [...generate(conn.proxy!, push, t).values()],
        }));
        json(200, { proxy: conn.proxy.id, version: push.version, configs });
        return;
      }
      default:
        json(404, { error: "not found" });
    }
  }

  #metrics(): string {
    const s = this.#pilot.server.stats;
    const lines = [
      "# HELP pilot_xds Number of endpoints connected to this pilot using XDS.",
      "# TYPE pilot_xds gauge",
      `pilot_xds ${this.#pilot.server.connections.length}`,
      "# HELP pilot_xds_pushes Pilot build and send errors for lds, rds, cds and eds.",
      "# TYPE pilot_xds_pushes counter",
      `pilot_xds_pushes ${s.pushes}`,
      "# HELP pilot_total_xds_rejects Total number of XDS responses from pilot rejected by proxy.",
      "# TYPE pilot_total_xds_rejects counter",
      `pilot_total_xds_rejects ${s.nacks}`,
      "# HELP pilot_xds_acks Total number of ACKs received.",
      "# TYPE pilot_xds_acks counter",
      `pilot_xds_acks ${s.acks}`,
      "# HELP pilot_services Total services known to pilot.",
      "# TYPE pilot_services gauge",
      `pilot_services ${this.#pilot.server.pushContext.registry.services.length}`,
    ];
    return `${lines.join("\n")}\n`;
  }
}
