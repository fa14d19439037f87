// The request path of the HTTP connection manager for one stream: path checks and normalization,
// request id and forwarding headers, route lookup, HTTP filters, then the route's action (forward,
// redirect or direct response), and finally stats and the access log.

import { randomUUID } from "node:crypto";
import type { TypedConfig } from "../../config-types.ts";
import { applyHeaderOps, HeaderMap } from "../../http/headers.ts";
import { preparePath } from "../../http/path.ts";
import type { HttpStream } from "../../http/stream.ts";
import { stripPort } from "../../routing/route-table.ts";
import type { HttpConnectionManager } from "./http-connection-manager.ts";

const REDIRECT_CODES: Record<string, number> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

function perFilterConfig(s: HttpStream, name: string): TypedConfig | undefined {
  const r = s.route;
  return r?.route.typed_per_filter_config?.[name] ?? r?.vhost.vhost.typed_per_filter_config?.[name];
}

function forwardingHeaders(hcm: HttpConnectionManager, s: HttpStream): void {
  const c = hcm.config;
  if (c.useRemoteAddress && !c.skipXffAppend) {
    const prev = s.headers.joined("x-forwarded-for");
    s.headers.set(
      "x-forwarded-for",
      prev ? `${prev}, ${s.downstream.remoteAddress}` : s.downstream.remoteAddress,
    );
  }
  if (c.useRemoteAddress || !s.headers.has("x-forwarded-proto")) {
    s.headers.set("x-forwarded-proto", s.downstream.tls ? "https" : "http");
  }
  if (c.useRemoteAddress) {
    // an edge proxy does not trust x-envoy-* control headers from outside
    for (const [k] of [...s.headers.entries()])
      if (k.startsWith("x-envoy-") && k !== "x-envoy-decorator-operation") s.headers.remove(k);
  }
  if (
    c.generateRequestId &&
    (!s.headers.has("x-request-id") || (c.useRemoteAddress && !c.preserveExternalRequestId))
  ) {
    s.headers.set("x-request-id", randomUUID());
  }
}

function redirect(s: HttpStream): void {
  const r = s.route!.route.redirect!;
  const q = s.path.indexOf("?");
  let path = q >= 0 ? s.path.slice(0, q) : s.path;
  let query = q >= 0 ? s.path.slice(q) : "";
  if (r.path_redirect !== undefined) {
    const pq = r.path_redirect.indexOf("?");
    path = pq >= 0 ? r.path_redirect.slice(0, pq) : r.path_redirect;
    if (pq >= 0) query = r.path_redirect.slice(pq);
  } else if (r.prefix_rewrite !== undefined && s.route!.route.match?.prefix !== undefined) {
    path = r.prefix_rewrite + path.slice(s.route!.route.match.prefix.length);
  }
  if (r.strip_query) query = "";
  const scheme = r.https_redirect ? "https" : (r.scheme_redirect ?? s.scheme);
  let host = r.host_redirect ?? stripPort(s.authority);
  const origPort = s.authority.slice(stripPort(s.authority).length + 1);
  const port =
    r.port_redirect ??
    (r.https_redirect || r.scheme_redirect ? undefined : origPort ? Number(origPort) : undefined);
  if (port && !((scheme === "http" && port === 80) || (scheme === "https" && port === 443)))
    host += `:${port}`;
  const h = new HeaderMap();
  h.set("location", `${scheme}://${host}${path}${query}`);
  s.localReply({
    status: REDIRECT_CODES[r.response_code ?? "MOVED_PERMANENTLY"] ?? 301,
    headers: h,
    details: "via_route",
  });
}

function responseHeaderOps(
  hcm: HttpConnectionManager,
  s: HttpStream,
  rc: ReturnType<HttpConnectionManager["routeTable"]>,
): void {
  const c = hcm.config;
  const requestId = s.headers.get("x-request-id");
  s.responseHooks.push((h) => {
    const r = s.route;
    if (r) {
      applyHeaderOps(h, r.route.response_headers_to_add, r.route.response_headers_to_remove);
      applyHeaderOps(
        h,
        r.vhost.vhost.response_headers_to_add,
        r.vhost.vhost.response_headers_to_remove,
      );
    }
    if (rc)
      applyHeaderOps(h, rc.config.response_headers_to_add, rc.config.response_headers_to_remove);
    if (
      c.serverHeader === "OVERWRITE" ||
      (c.serverHeader === "APPEND_IF_ABSENT" && !h.has("server"))
    )
      h.set("server", c.serverName);
    if (c.alwaysSetRequestIdInResponse && requestId) h.set("x-request-id", requestId);
    if (hcm.isDraining()) s.sink.closeAfter();
  });
}

export async function processStream(hcm: HttpConnectionManager, s: HttpStream): Promise<void> {
  const c = hcm.config;
  hcm.stat("downstream_rq_total").inc();
  try {
    const p = preparePath(s.path, {
      normalize: c.normalizePath,
      mergeSlashes: c.mergeSlashes,
      escapedSlashes: c.escapedSlashes,
    });
    if (!p.ok) {
      if (s.method === "OPTIONS" && s.path === "*")
        return s.localReply({ status: 200, details: "options_star" });
      return s.localReply({
        status: 400,
        body: "Bad Request",
        flag: "DPE",
        details: `path_normalization_failed{${p.reason}}`,
      });
    }
    s.path = p.path + p.tail;
    s.fragment = p.fragment;
    if (!s.authority)
      return s.localReply({
        status: 400,
        body: "Bad Request",
        flag: "DPE",
        details: "missing_host_header",
      });
    if (c.stripPort === "any") s.authority = stripPort(s.authority);
    else if (c.stripPort === "matching" && s.authority.endsWith(`:${s.downstream.localPort}`))
      s.authority = stripPort(s.authority);
    forwardingHeaders(hcm, s);
    const rc = hcm.routeTable();
    responseHeaderOps(hcm, s, rc);
    if (p.redirect) {
      const h = new HeaderMap();
      h.set("location", s.path);
      return s.localReply({ status: 307, headers: h, details: "path_normalization_redirect" });
    }
    s.route = rc?.route(s.authority, { headers: s.headers, path: p.path, query: p.query });
    if (!s.route || s.route.route.non_forwarding_action) {
      hcm.stat("no_route").inc();
      return s.localReply({ status: 404, flag: "NR", details: "route_not_found" });
    }
    const route = s.route.route;
    s.routeName = route.name;
    for (const f of hcm.config.filters) {
      const reply = await f.decodeHeaders(s, perFilterConfig(s, f.name));
      if (reply) return s.localReply(reply);
      if (s.downstreamClosed) return;
    }
    if (route.direct_response) {
      const body = route.direct_response.body;
      const text =
        body?.inline_string ??
        (body?.inline_bytes ? Buffer.from(body.inline_bytes, "base64").toString() : "");
      return s.localReply({
        status: route.direct_response.status ?? 200,
        body: text,
        details: "direct_response",
      });
    }
    if (route.redirect) return redirect(s);
    const action = route.route!;
    applyHeaderOps(s.headers, route.request_headers_to_add, route.request_headers_to_remove);
    applyHeaderOps(
      s.headers,
      s.route.vhost.vhost.request_headers_to_add,
      s.route.vhost.vhost.request_headers_to_remove,
    );
    if (rc)
      applyHeaderOps(
        s.headers,
        rc.config.request_headers_to_add,
        rc.config.request_headers_to_remove,
      );
    if (route.decorator?.operation)
      s.headers.set("x-envoy-decorator-operation", route.decorator.operation);
    await hcm.router.forward(s, action, route.match?.prefix);
  } catch (e) {
    s.localReply({
      status: 500,
      body: "internal error",
      details: `proxy_error{${(e as Error).message}}`,
    });
  } finally {
    finish(hcm, s);
  }
}

function finish(hcm: HttpConnectionManager, s: HttpStream): void {
  const done = () => {
    if (s.downstreamClosed) s.flags.add("DC");
    hcm.countResponse(s.responseCode);
    for (const log of hcm.config.accessLogs) log(s);
  };
  const body = s.sink.body;
  if (body.writableFinished || body.destroyed || s.downstreamClosed) done();
  else {
    let called = false;
    const once = () => {
      if (!called) {
        called = true;
        done();
      }
    };
    body.once("finish", once);
    body.once("close", once);
  }
}
