// ext_authz's gRPC transport: envoy.service.auth.v3.Authorization/Check over HTTP/2 (grpc-js) to
// a host of grpc_service.envoy_grpc.cluster_name, with Envoy's AttributeContext (source and
// destination addresses, the request's method, path, host, scheme, protocol and headers).
// OK → allowed with ok_response's headers; any other status → denied_response's HTTP status
// (403 without one), body and headers.

import * as grpc from "@grpc/grpc-js";
import { messageType } from "../../../envoy/protos.ts";
import { HeaderMap } from "../../http/headers.ts";
import type { HttpStream } from "../../http/stream.ts";
import type { AuthzVerdict } from "./ext-authz.ts";

const CHECK_PATH = "/envoy.service.auth.v3.Authorization/Check";

interface HeaderOption {
  header?: { key?: string; value?: string };
}

interface CheckResponseJson {
  status?: { code?: number };
  denied_response?: { status?: { code?: number }; headers?: HeaderOption[]; body?: string };
  ok_response?: { headers?: HeaderOption[]; response_headers_to_add?: HeaderOption[] };
}

// One channel per authz server address, shared by every filter that talks to it.
const channels = new Map<string, grpc.Client>();

function client(address: string): grpc.Client {
  let c = channels.get(address);
  if (!c) {
    c = new grpc.Client(address, grpc.credentials.createInsecure());
    channels.set(address, c);
  }
  return c;
}

function headerMap(opts: readonly HeaderOption[] | undefined): HeaderMap {
  const h = new HeaderMap();
  for (const o of opts ?? [])
    if (o.header?.key) h.set(o.header.key.toLowerCase(), o.header.value ?? "");
  return h;
}

const socketAddress = (address: string, port: number) => ({
  address: { socket_address: { address, port_value: port } },
});

function checkRequest(s: HttpStream, contextExtensions: Record<string, string>): Uint8Array {
  const headers: Record<string, string> = {};
  for (const [k] of s.headers.entries()) headers[k] ??= s.headers.joined(k) ?? "";
  const t = messageType("envoy.service.auth.v3.CheckRequest");
  const q = s.path.indexOf("?");
  const msg = {
    attributes: {
      source: socketAddress(s.downstream.remoteAddress, s.downstream.remotePort),
      destination: socketAddress(s.downstream.localAddress, s.downstream.localPort),
      context_extensions: contextExtensions,
      request: {
        http: {
          id: String(s.id),
          method: s.method,
          headers,
          path: s.path,
          host: s.authority,
          scheme: s.scheme,
          query: q >= 0 ? s.path.slice(q + 1) : "",
          protocol: s.protocol,
        },
      },
    },
  };
  return t.encode(t.fromObject(msg)).finish();
}

export function grpcCheck(
  address: string,
  s: HttpStream,
  timeoutMs: number,
  contextExtensions: Record<string, string>,
): Promise<AuthzVerdict> {
  const res = messageType("envoy.service.auth.v3.CheckResponse");
  return new Promise((resolve, reject) => {
    client(address).makeUnaryRequest(
      CHECK_PATH,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => res.toObject(res.decode(b), { defaults: false }) as CheckResponseJson,
      checkRequest(s, contextExtensions),
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, r) => {
        if (err || !r) return reject(err ?? new Error("empty CheckResponse"));
        if ((r.status?.code ?? 0) === 0) {
          return resolve({
            allowed: true,
            status: 200,
            body: "",
            upstreamHeaders: headerMap(r.ok_response?.headers),
            clientHeaders: headerMap(r.ok_response?.response_headers_to_add),
          });
        }
        const d = r.denied_response;
        resolve({
          allowed: false,
          status: d?.status?.code || 403,
          body: d?.body ?? "",
          upstreamHeaders: new HeaderMap(),
          clientHeaders: headerMap(d?.headers),
        });
      },
    );
  });
}
