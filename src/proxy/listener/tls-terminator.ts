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
