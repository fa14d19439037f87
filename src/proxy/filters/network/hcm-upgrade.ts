// HTTP/1.1 upgrades (WebSocket) through the connection manager: routed like any request, allowed
// only when upgrade_configs enables the type, then tunnelled byte for byte in both directions.

import type { Duplex } from "node:stream";
import type { Http1UpgradeRequest } from "../../http/codec-http1.ts";
import type { DownstreamInfo } from "../../http/stream.ts";
import { classifyUpstreamError } from "../../upstream/errors.ts";
import type { HttpConnectionManager } from "./http-connection-manager.ts";

function reply(socket: Duplex, status: number, text: string, body = ""): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export async function proxyUpgrade(
  hcm: HttpConnectionManager,
  req: Http1UpgradeRequest,
  socket: Duplex,
  head: Buffer,
  info: DownstreamInfo,
): Promise<void> {
  socket.on("error", () => undefined);
  const type = req.upgrade;
  const q = req.path.indexOf("?");
  const route = hcm.routeTable()?.route(req.authority, {
    headers: req.headers,
    path: q >= 0 ? req.path.slice(0, q) : req.path,
    query: q >= 0 ? req.path.slice(q + 1) : "",
  });
  const action = route?.route.route;
  const allowed =
    type === "websocket" &&
    (hcm.config.websocket ||
      action?.upgrade_configs?.some(
        (u) => u.upgrade_type?.toLowerCase() === "websocket" && u.enabled !== false,
      ));
  if (!route || !action) return reply(socket, 404, "Not Found");
  if (!allowed) return reply(socket, 403, "Forbidden", "upgrade not allowed");
  const cluster = action.cluster ? hcm.ctx.clusters.get(action.cluster) : undefined;
  const headers = req.headers.clone();
  const host = cluster?.pick({ downstream: info, headers });
  if (!cluster || !host) return reply(socket, 503, "Service Unavailable", "no healthy upstream");
  headers.stripHopByHop();
  if (!headers.has("x-forwarded-proto"))
    headers.set("x-forwarded-proto", info.tls ? "https" : "http");
  try {
    const up = await cluster.http1(host).upgrade(
      {
        method: req.method,
        path: req.path,
        authority: req.authority,
        scheme: "http",
        headers,
        body: null,
      },
      type,
    );
    const out = [`HTTP/1.1 101 Switching Protocols`];
    for (const [k, v] of up.headers.entries()) out.push(`${k}: ${v}`);
    socket.write(`${out.join("\r\n")}\r\n\r\n`);
    if (head.length) up.socket.write(head);
    up.socket.on("error", () => socket.destroy());
    socket.on("error", () => up.socket.destroy());
    socket.pipe(up.socket).pipe(socket);
  } catch (e) {
    const err = classifyUpstreamError(e);
    reply(
      socket,
      503,
      "Service Unavailable",
      `upstream connect error or disconnect/reset before headers. reset reason: ${err.reason}`,
    );
  }
}
