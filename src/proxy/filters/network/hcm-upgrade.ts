// HTTP/1.1 upgrades (WebSocket) through the connection manager: routed like any request, allowed
// only when upgrade_configs enables the type, then tunnelled byte for byte in both directions.

import type http from "node:http";
import type { Duplex } from "node:stream";
import { HeaderMap } from "../../http/headers.ts";
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
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  info: DownstreamInfo,
): Promise<void> {
  socket.on("error", () => undefined);
  const type = (req.headers.upgrade ?? "").toLowerCase();
  const route = hcm.routeTable()?.route(req.headers.host ?? "", {
    headers: HeaderMap.fromRaw(req.rawHeaders),
    path: (req.url ?? "/").split("?")[0],
    query: (req.url ?? "").split("?")[1] ?? "",
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
  const host = cluster?.pick();
  if (!cluster || !host) return reply(socket, 503, "Service Unavailable", "no healthy upstream");
  const headers = HeaderMap.fromRaw(req.rawHeaders);
  const authority = headers.get("host") ?? "";
  headers.stripHopByHop();
  headers.remove("host");
  if (!headers.has("x-forwarded-proto"))
    headers.set("x-forwarded-proto", info.tls ? "https" : "http");
  try {
    const up = await cluster.http1(host).upgrade(
      {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        authority,
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
