// Envoy's admin interface (15000 by default) and Istio's readiness endpoint (15021): config dump,
// clusters, listeners, stats (text and Prometheus), server info, ready, logging, drain, quit.

import http from "node:http";
import type { ProxyServer } from "../proxy.ts";
import { healthFlags } from "../upstream/endpoints.ts";
import { configDump } from "./config-dump.ts";

export interface AdminOptions {
  readonly onQuit: () => void;
  readonly version: string;
  readonly logLevel: { level: string };
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  type = "text/plain; charset=UTF-8",
): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-cache, max-age=0",
  });
  res.end(body);
}

function clustersText(p: ProxyServer): string {
  let out = "";
  for (const c of p.clusters.all()) {
    const n = c.name;
    out += `${n}::default_priority::max_connections::${c.thresholds.maxConnections}\n`;
    out += `${n}::default_priority::max_pending_requests::${c.thresholds.maxPendingRequests}\n`;
    out += `${n}::default_priority::max_requests::${c.thresholds.maxRequests}\n`;
    out += `${n}::default_priority::max_retries::${c.thresholds.maxRetries}\n`;
    out += `${n}::added_via_api::${!p.resources.get("cluster", n)?.isStatic}\n`;
    for (const h of c.hosts) {
      const k = `${n}::${h.key}`;
      out += `${k}::rq_active::${h.activeRequests}\n${k}::rq_total::${h.totalRequests}\n`;
      out += `${k}::health_flags::${healthFlags(h)}\n${k}::weight::${h.weight}\n`;
      out += `${k}::priority::${h.priority}\n`;
    }
  }
  return out;
}

function clustersJson(p: ProxyServer): unknown {
  return {
    cluster_statuses: p.clusters.all().map((c) => ({
      name: c.name,
      added_via_api: !p.resources.get("cluster", c.name)?.isStatic,
      host_statuses: c.hosts.map((h) => ({
        address: { socket_address: { address: h.address, port_value: h.port } },
        stats: [
          { name: "rq_active", type: "GAUGE", value: String(h.activeRequests) },
          { name: "rq_total", value: String(h.totalRequests) },
        ],
        health_status: {
          eds_health_status: h.healthStatus,
          ...(h.failedActiveHc ? { failed_active_health_check: true } : {}),
          ...(h.failedOutlierCheck ? { failed_outlier_check: true } : {}),
        },
        weight: h.weight,
        priority: h.priority,
      })),
    })),
  };
}

function listenersText(p: ProxyServer, json: boolean): string {
  const ls = p.listeners.all().map((l) => ({ name: l.name, addr: l.boundAddress() }));
  if (json) {
    return JSON.stringify(
      {
        listener_statuses: ls.map((l) => ({
          name: l.name,
          local_address: { socket_address: { address: l.addr.address, port_value: l.addr.port } },
        })),
      },
      null,
      2,
    );
  }
  return ls.map((l) => `${l.name}::${l.addr.address}:${l.addr.port}\n`).join("");
}

export function createAdminServer(p: ProxyServer, opts: AdminOptions): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://admin");
    const q = url.searchParams;
    const post = req.method === "POST";
    switch (url.pathname) {
      case "/config_dump":
        return send(
          res,
          200,
          JSON.stringify(configDump(p, q.has("include_eds")), null, 2),
          "application/json",
        );
      case "/clusters":
        return q.get("format") === "json"
          ? send(res, 200, JSON.stringify(clustersJson(p), null, 2), "application/json")
          : send(res, 200, clustersText(p));
      case "/listeners":
        return send(
          res,
          200,
          listenersText(p, q.get("format") === "json"),
          q.get("format") === "json" ? "application/json" : undefined,
        );
      case "/stats": {
        const filter = q.get("filter");
        let re: RegExp | undefined;
        try {
          re = filter ? new RegExp(filter) : undefined;
        } catch {
          return send(res, 400, "invalid filter regex\n");
        }
        return send(res, 200, p.stats.text(re));
      }
      case "/stats/prometheus":
        return send(res, 200, p.stats.prometheus(), "text/plain; version=0.0.4; charset=utf-8");
      case "/server_info":
        return send(
          res,
          200,
          JSON.stringify(
            {
              version: opts.version,
              state: p.initialized ? "LIVE" : "PRE_INITIALIZING",
              uptime_current_epoch: `${Math.floor((Date.now() - p.startTime.getTime()) / 1000)}s`,
              uptime_all_epochs: `${Math.floor((Date.now() - p.startTime.getTime()) / 1000)}s`,
              hot_restart_version: "disabled",
              node: p.bootstrap.node ?? {},
              command_line_options: { drain_time: "", log_level: opts.logLevel.level },
            },
            null,
            2,
          ),
          "application/json",
        );
      case "/ready":
        return p.initialized ? send(res, 200, "LIVE\n") : send(res, 503, "PRE_INITIALIZING\n");
      case "/logging": {
        const level = q.get("level");
        if (level && post) opts.logLevel.level = level;
        return send(res, 200, `active loggers:\n  mast: ${opts.logLevel.level}\n`);
      }
      case "/drain_listeners":
        if (!post) return send(res, 405, "This endpoint requires POST\n");
        p.listeners.drainAll();
        return send(res, 200, "OK\n");
      case "/quitquitquit":
        if (!post) return send(res, 405, "This endpoint requires POST\n");
        send(res, 200, "OK\n");
        return opts.onQuit();
      case "/healthz/ready":
        return p.initialized ? send(res, 200, "") : send(res, 503, "not ready\n");
      default:
        return send(
          res,
          404,
          "invalid path. admin commands are: /clusters /config_dump /drain_listeners /listeners /logging /quitquitquit /ready /server_info /stats /stats/prometheus\n",
        );
    }
  });
}

/** Istio's readiness server: /healthz/ready is 200 once the proxy has its config. */
export function createReadinessServer(p: ProxyServer): http.Server {
  return http.createServer((req, res) => {
    if ((req.url ?? "").split("?")[0] === "/healthz/ready")
      return p.initialized ? send(res, 200, "") : send(res, 503, "not ready\n");
    if ((req.url ?? "").split("?")[0] === "/stats/prometheus")
      return send(res, 200, p.stats.prometheus(), "text/plain; version=0.0.4; charset=utf-8");
    send(res, 404, "");
  });
}
