// TLS termination for filter chains with a DownstreamTlsContext. A tls.Server per chain (not a
// bare TLSSocket, whose sockets node:http2 cannot serve) takes each raw connection, reads the
// ClientHello the listener peeked and unshifted, and hands the secure socket back to the dispatch
// that started it.

import type { Duplex } from "node:stream";
import tls from "node:tls";

export type Deliver = (conn: Duplex, negotiated: string | undefined) => void;
export const pendingTls = new WeakMap<Duplex, Deliver>();

/** A chain's TLS terminator; hands each handshaken socket to the dispatch that started it. */
export function createTlsTerminator(options: tls.TlsOptions): tls.Server {
  const server = tls.createServer({
    ...options,
    ALPNProtocols: options.ALPNProtocols ?? ["h2", "http/1.1"],
  });
  server.on("secureConnection", (t: tls.TLSSocket) => {
    // _parent is the raw socket the server was given (node keeps it on wrapped sockets)
    const raw = (t as unknown as { _parent?: Duplex })._parent;
    const deliver = raw ? pendingTls.get(raw) : undefined;
    if (!deliver) return void t.destroy();
    pendingTls.delete(raw!);
    deliver(t, t.alpnProtocol || undefined);
  });
  server.on("tlsClientError", (_e, t) => t.destroy());
  return server;
}

/**
 * The identity RBAC's `authenticated` principal matches (as Envoy: URI SAN, else DNS SAN, else
 * the subject), only for a client certificate that verified against the chain's trust.
 */
export function peerIdentity(s: tls.TLSSocket): string | undefined {
  if (!s.authorized) return undefined;
  const cert = s.getPeerCertificate();
  if (!cert?.raw) return undefined;
  const sans = (cert.subjectaltname ?? "").split(", ");
  const uri = sans.find((x) => x.startsWith("URI:"));
  if (uri) return uri.slice(4);
  const dns = sans.find((x) => x.startsWith("DNS:"));
  if (dns) return dns.slice(4);
  return Object.entries(cert.subject ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}
