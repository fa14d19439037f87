// A Listener resource compiled into what accepting a connection needs: listener filters, each
// filter chain with its TLS context and terminal network filter (tcp_proxy or HCM). Compiling
// validates everything, so a bad listener is rejected before any socket changes.

import type tls from "node:tls";
import type { TlsOptions } from "node:tls";
import { TYPE_URL } from "../../envoy/index.ts";
import type { FilterChain, Listener } from "../config-types.ts";
import type { ProxyDeps } from "../deps.ts";
import { parseDurationMs } from "../duration.ts";
import { compileHcm, HttpConnectionManager } from "../filters/network/http-connection-manager.ts";
import { NETWORK_READ_FILTERS, type NetworkReadFilter } from "../filters/network/rbac.ts";
import { TcpProxy } from "../filters/network/tcp-proxy.ts";
import { downstreamTlsOptions } from "../tls-context.ts";
import { originalDstUnavailable } from "./original-dst.ts";
import { createTlsTerminator } from "./tls-terminator.ts";

export interface CompiledChain {
  readonly chain: FilterChain;
  readonly name: string;
  readonly tls: { server: tls.Server; options: TlsOptions } | undefined;
  readonly terminal: HttpConnectionManager | TcpProxy;
  /** Network filters before the terminal one (network RBAC), run once per connection. */
  readonly readFilters: readonly NetworkReadFilter[];
}

export interface CompiledListener {
  readonly config: Listener;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly bind: boolean;
  /** Hand connections to the listener of their original destination (Envoy's use_original_dst). */
  readonly useOriginalDst: boolean;
  /** Read the original destination (use_original_dst or the original_dst listener filter). */
  readonly restoreOriginalDst: boolean;
  readonly tlsInspector: boolean;
  readonly httpInspector: boolean;
  readonly filtersTimeoutMs: number;
  readonly chains: readonly CompiledChain[];
  readonly defaultChain: CompiledChain | undefined;
  /** RDS names the HCMs of this listener use (for RDS subscription and warming). */
  readonly rdsNames: readonly string[];
}

function compileChain(fc: FilterChain, deps: ProxyDeps, path: string): CompiledChain {
  const filters = fc.filters ?? [];
  if (filters.length === 0)
    throw new Error(`${path}.filters: at least one network filter is required`);
  const readFilters = filters.slice(0, -1).map((f, i) => {
    const make = NETWORK_READ_FILTERS.get(f.typed_config?.["@type"] ?? "");
    if (!make)
      throw new Error(
        `${path}.filters[${i}]: network filter ${f.name ?? ""} (${f.typed_config?.["@type"] ?? ""}) is not supported`,
      );
    return make(f.typed_config!, deps.stats, `${path}.filters[${i}].typed_config`);
  });
  const last = filters[filters.length - 1];
  const type = last.typed_config?.["@type"];
  const fpath = `${path}.filters[${filters.length - 1}].typed_config`;
  let terminal: HttpConnectionManager | TcpProxy;
  if (type === TYPE_URL.HTTP_CONNECTION_MANAGER) {
    terminal = new HttpConnectionManager(compileHcm(last.typed_config!, deps, fpath), deps);
  } else if (type === TYPE_URL.TCP_PROXY) {
    terminal = new TcpProxy(last.typed_config!, deps, fpath);
  } else {
    throw new Error(
      `${fpath}: network filter ${last.name ?? ""} (${type ?? "no typed_config"}) is not supported`,
    );
  }
  let tlsCtx: CompiledChain["tls"];
  const ts = fc.transport_socket?.typed_config;
  if (ts?.["@type"] === TYPE_URL.DOWNSTREAM_TLS_CONTEXT) {
    const options = downstreamTlsOptions(ts, deps.secrets, `${path}.transport_socket.typed_config`);
    tlsCtx = { server: createTlsTerminator(options), options };
  } else if (ts && ts["@type"] !== TYPE_URL.RAW_BUFFER) {
    throw new Error(`${path}.transport_socket: ${ts["@type"]} is not supported`);
  }
  return { chain: fc, name: fc.name ?? "", tls: tlsCtx, terminal, readFilters };
}

export function compileListener(l: Listener, deps: ProxyDeps): CompiledListener {
  const name = l.name ?? "";
  const what = `Listener ${name}`;
  if (!name) throw new Error(`Listener: name is required`);
  const sa = l.address?.socket_address;
  if (!sa?.address) throw new Error(`${what}.address.socket_address.address: required`);
  if (sa.protocol === "UDP")
    throw new Error(`${what}.address.socket_address.protocol: UDP is not supported`);
  let tlsInspector = false;
  let httpInspector = false;
  let originalDstFilter = false;
  (l.listener_filters ?? []).forEach((f, i) => {
    const t = f.typed_config?.["@type"] ?? "";
    if (t === TYPE_URL.TLS_INSPECTOR) tlsInspector = true;
    else if (t === TYPE_URL.HTTP_INSPECTOR) httpInspector = true;
    else if (t === TYPE_URL.ORIGINAL_DST) originalDstFilter = true;
    else throw new Error(`${what}.listener_filters[${i}]: ${f.name ?? ""} (${t}) is not supported`);
  });
  const useOriginalDst = l.use_original_dst === true;
  const unavailable = useOriginalDst || originalDstFilter ? originalDstUnavailable() : undefined;
  if (unavailable)
    throw new Error(
      `${what}.${useOriginalDst ? "use_original_dst" : "listener_filters"}: original destinations cannot be read: ${unavailable}`,
    );
  const chains = (l.filter_chains ?? []).map((fc, i) =>
    compileChain(fc, deps, `${what}.filter_chains[${i}]`),
  );
  const defaultChain = l.default_filter_chain
    ? compileChain(l.default_filter_chain, deps, `${what}.default_filter_chain`)
    : undefined;
  if (chains.length === 0 && !defaultChain)
    throw new Error(`${what}.filter_chains: at least one filter chain is required`);
  const rdsNames = [...chains, ...(defaultChain ? [defaultChain] : [])].flatMap((c) =>
    c.terminal instanceof HttpConnectionManager && c.terminal.config.rdsName
      ? [c.terminal.config.rdsName]
      : [],
  );
  return {
    config: l,
    name,
    host: sa.address,
    port: sa.port_value ?? 0,
    bind: l.bind_to_port !== false,
    useOriginalDst,
    restoreOriginalDst: useOriginalDst || originalDstFilter,
    tlsInspector,
    httpInspector,
    filtersTimeoutMs: parseDurationMs(l.listener_filters_timeout, 15_000),
    chains,
    defaultChain,
    rdsNames: [...new Set(rdsNames)],
  };
}

/** Drains every terminal of a listener generation, closing what remains after the drain time. */
export function drainCompiled(c: CompiledListener, drainMs: number): void {
  const terminals = [...c.chains, ...(c.defaultChain ? [c.defaultChain] : [])].map(
    (x) => x.terminal,
  );
  for (const t of terminals) if (t instanceof HttpConnectionManager) t.drain();
  const timer = setTimeout(() => {
    for (const t of terminals) t.closeAll();
  }, drainMs);
  timer.unref();
}
