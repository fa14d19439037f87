// Listeners at run time: binds sockets, accepts connections and dispatches them through listener
// filters and filter-chain match to a terminal filter. An update swaps the compiled config for new
// connections and drains the old generation; a removal stops accepting and drains. Connections are
// never cut by a config change before the drain time.

import net from "node:net";
import type { Duplex } from "node:stream";
import { TLSSocket } from "node:tls";
import { listenerScope, ScopedStats } from "../../telemetry/stats.ts";
import type { Listener } from "../config-types.ts";
import type { ProxyDeps } from "../deps.ts";
import { httpInspectorDone, inspectHttp } from "../filters/listener/http-inspector.ts";
import { inspectTls, tlsInspectorDone } from "../filters/listener/tls-inspector.ts";
import { HttpConnectionManager } from "../filters/network/http-connection-manager.ts";
import type { DownstreamInfo } from "../http/stream.ts";
import {
  type CompiledChain,
  type CompiledListener,
  compileListener,
  drainCompiled,
} from "./compile-listener.ts";
import { selectFilterChain } from "./filter-chain-match.ts";
import { originalDst } from "./original-dst.ts";
import { peek } from "./peek.ts";
import { peerIdentity, pendingTls } from "./tls-terminator.ts";

/** Where a connection was headed: the original destination when restored, else the local address. */
interface Destination {
  readonly ip: string;
  readonly port: number;
  readonly restored: boolean;
}

export class ActiveListener {
  compiled: CompiledListener;
  readonly server: net.Server | undefined;
  private readonly manager: ListenerManager;
  readonly lastUpdated = new Date();
  versionInfo: string | undefined;
  private scoped: ScopedStats | undefined;

  constructor(compiled: CompiledListener, manager: ListenerManager) {
    this.compiled = compiled;
    this.manager = manager;
    if (compiled.bind) {
      this.server = net.createServer({ noDelay: true }, (s) => this.accept(s));
      this.server.on("error", () => undefined);
    }
  }

  get name(): string {
    return this.compiled.name;
  }

  listen(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: this.compiled.host, port: this.compiled.port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  }

  /** The bound address (the real port when the config says 0). */
  boundAddress(): { address: string; port: number } {
    const a = this.server?.address();
    if (a && typeof a === "object") return { address: a.address, port: a.port };
    return { address: this.compiled.host, port: this.compiled.port };
  }

  private stat(s: string) {
    // the scope is built once: the bound address is fixed once listening, and asking the server
    // for it is a getsockname per accepted connection
    if (!this.scoped) {
      const a = this.boundAddress();
      this.scoped = new ScopedStats(
        this.manager.deps.stats,
        listenerScope(`${a.address}_${a.port}`),
      );
    }
    return this.scoped.counter(s);
  }

  accept(socket: net.Socket): void {
    socket.on("error", () => undefined);
    // Nagle is off through the server's noDelay option (small writes must not wait for delayed
    // ACKs): no setsockopt per connection here
    this.stat("downstream_cx_total").inc();
    const c = this.compiled;
    const dst = c.restoreOriginalDst ? originalDst(socket) : undefined;
    const orig: Destination = dst
      ? { ...dst, restored: true }
      : { ip: socket.localAddress ?? "", port: socket.localPort ?? 0, restored: false };
    if (c.useOriginalDst) {
      // Envoy's hand-off: the listener of the original destination takes the connection (its
      // own listener filters and chains apply); none there, this listener's chains do.
      const target = this.manager.findByAddress(orig.ip, orig.port, this);
      if (target) return void target.dispatch(socket, orig);
    }
    void this.dispatch(socket, orig);
  }

  async dispatch(socket: net.Socket, orig: Destination): Promise<void> {
    const c = this.compiled;
    let serverName: string | undefined;
    let transport = "raw_buffer";
    let alpn: string[] = [];
    if (c.tlsInspector || c.httpInspector) {
      const head = await peek(
        socket,
        (b) =>
          c.tlsInspector && b[0] === 0x16
            ? tlsInspectorDone(b)
            : c.httpInspector
              ? httpInspectorDone(b)
              : tlsInspectorDone(b),
        c.filtersTimeoutMs,
      );
      const hello = c.tlsInspector ? inspectTls(head) : undefined;
      if (hello?.isTls) {
        transport = "tls";
        serverName = hello.serverName;
        alpn = hello.alpn;
      } else if (c.httpInspector) {
        const p = inspectHttp(head);
        if (p) alpn = [p];
      }
    }
    const chain = selectFilterChain(
      c.chains.map((x) => x.chain),
      c.defaultChain?.chain,
      {
        destinationIp: orig.ip,
        destinationPort: orig.port,
        sourceIp: socket.remoteAddress ?? "",
        sourcePort: socket.remotePort ?? 0,
        serverName,
        transportProtocol: transport,
        applicationProtocols: alpn,
      },
    );
    const compiled: CompiledChain | undefined =
      c.chains.find((x) => x.chain === chain) ??
      (c.defaultChain?.chain === chain ? c.defaultChain : undefined);
    if (!compiled) {
      this.stat("no_filter_chain_match").inc();
      socket.destroy();
      return;
    }
    const info: DownstreamInfo = {
      remoteAddress: socket.remoteAddress ?? "",
      remotePort: socket.remotePort ?? 0,
      localAddress: orig.ip,
      localPort: orig.port,
      localAddressRestored: orig.restored,
      sni: serverName,
      tls: compiled.tls !== undefined,
    };
    const deliver = (conn: Duplex, negotiated: string | undefined) => {
      const peerPrincipal = conn instanceof TLSSocket ? peerIdentity(conn) : undefined;
      const full = peerPrincipal === undefined ? info : { ...info, peerPrincipal };
      if (!compiled.readFilters.every((f) => f.onConnection(full))) {
        conn.destroy();
        return;
      }
      if (compiled.terminal instanceof HttpConnectionManager) {
        void compiled.terminal.handle(conn, full, negotiated);
      } else {
        compiled.terminal.handle(conn, full);
      }
    };
    if (!compiled.tls) return deliver(socket, undefined);
    // The chain's tls.Server (not a bare TLSSocket: only tls.Server sockets work under node:http2)
    // terminates TLS and reads the unshifted ClientHello itself.
    pendingTls.set(socket, deliver);
    compiled.tls.server.emit("connection", socket);
  }
}

export class ListenerManager {
  readonly deps: ProxyDeps;
  private readonly listeners = new Map<string, ActiveListener>();

  constructor(deps: ProxyDeps) {
    this.deps = deps;
  }

  /** Validates a listener without touching live state (throws with the field path). */
  compile(l: Listener): CompiledListener {
    return compileListener(l, this.deps);
  }

  get(name: string): ActiveListener | undefined {
    return this.listeners.get(name);
  }

  all(): ActiveListener[] {
    return [...this.listeners.values()];
  }

  changed(l: Listener): boolean {
    const cur = this.listeners.get(l.name ?? "");
    return !cur || JSON.stringify(cur.compiled.config) !== JSON.stringify(l);
  }

  /** Adds or replaces a listener; a replaced one with the same address keeps its socket. */
  async install(compiled: CompiledListener, version?: string): Promise<void> {
    const cur = this.listeners.get(compiled.name);
    if (
      cur &&
      cur.compiled.host === compiled.host &&
      cur.compiled.port === compiled.port &&
      cur.compiled.bind === compiled.bind
    ) {
      const old = cur.compiled;
      cur.compiled = compiled;
      cur.versionInfo = version;
      drainCompiled(old, this.deps.drainTimeMs);
      return;
    }
    const next = new ActiveListener(compiled, this);
    next.versionInfo = version;
    await next.listen();
    this.listeners.set(compiled.name, next);
    if (cur) this.retire(cur);
  }

  remove(name: string): void {
    const cur = this.listeners.get(name);
    if (!cur) return;
    this.listeners.delete(name);
    this.retire(cur);
  }

  private retire(l: ActiveListener): void {
    l.server?.close();
    drainCompiled(l.compiled, this.deps.drainTimeMs);
  }

  /** The listener a use_original_dst listener hands a connection to: exact address, then 0.0.0.0. */
  findByAddress(ip: string, port: number, except: ActiveListener): ActiveListener | undefined {
    const plain = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
    let wildcard: ActiveListener | undefined;
    for (const l of this.listeners.values()) {
      if (l === except || l.compiled.port !== port) continue;
      if (l.compiled.host === plain) return l;
      if (l.compiled.host === "0.0.0.0" || l.compiled.host === "::") wildcard = l;
    }
    return wildcard;
  }

  /** Envoy's /drain_listeners: stop accepting and drain everything. */
  drainAll(): void {
    for (const l of this.listeners.values()) this.retire(l);
  }

  close(): void {
    for (const l of this.listeners.values()) {
      l.server?.close();
      drainCompiled(l.compiled, 0);
    }
    this.listeners.clear();
  }
}
