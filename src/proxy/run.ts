// Starts a whole proxy process-side: static resources, the admin server, the readiness server and
// (when the bootstrap has ADS) the xDS client. Returns the bound ports and a stop function.

import type http from "node:http";
import { createAdminServer, createReadinessServer } from "./admin/admin-server.ts";
import type { Bootstrap } from "./config-types.ts";
import { type DnsProxy, startDnsCapture } from "./dns/dns-proxy.ts";
import { ProxyServer } from "./proxy.ts";
import { startXds, type XdsHandle } from "./xds/start-xds.ts";

export interface RunOptions {
  readonly bootstrap: Bootstrap;
  /** Admin port; default the bootstrap's admin address, else 15000. 0 picks a free port. */
  readonly adminPort?: number;
  readonly adminHost?: string;
  /** Readiness (15021) port; undefined means 15021, -1 disables. */
  readonly readinessPort?: number;
  readonly drainTimeMs?: number;
  readonly accessLog?: (line: string) => void;
  readonly version?: string;
  /** Overrides the xDS server (host:port) the bootstrap names. */
  readonly xdsAddress?: string;
  readonly onQuit?: () => void;
  /** The DNS proxy's address when node metadata asks for DNS_CAPTURE (Istio: localhost:15053). */
  readonly dnsAddress?: { host: string; port: number };
}

export interface RunningProxy {
  readonly proxy: ProxyServer;
  readonly adminPort: number;
  readonly readinessPort: number | undefined;
  /** Resolves once the proxy is initialized (static up and first xDS round applied). */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, () => {
      const a = server.address();
      resolve(typeof a === "object" && a ? a.port : port);
    });
  });
}

export async function runProxy(opts: RunOptions): Promise<RunningProxy> {
  const proxy = new ProxyServer({
    bootstrap: opts.bootstrap,
    drainTimeMs: opts.drainTimeMs,
    accessLog: opts.accessLog,
  });
  const servers: http.Server[] = [];
  let xds: XdsHandle | undefined;
  let dns: DnsProxy | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    xds?.stop();
    dns?.close();
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    await proxy.stop();
  };
  try {
    await proxy.startStatic();
    const logLevel = { level: "warning" };
    const admin = createAdminServer(proxy, {
      version: opts.version ?? "mast",
      logLevel,
      onQuit: () => {
        void stop().then(() => opts.onQuit?.());
      },
    });
    servers.push(admin);
    const adminSa = opts.bootstrap.admin?.address?.socket_address;
    const adminPort = await listen(
      admin,
      opts.adminHost ?? adminSa?.address ?? "127.0.0.1",
      opts.adminPort ?? adminSa?.port_value ?? 15000,
    );
    let readinessPort: number | undefined;
    if (opts.readinessPort !== -1) {
      const r = createReadinessServer(proxy);
      servers.push(r);
      readinessPort = await listen(r, opts.adminHost ?? "0.0.0.0", opts.readinessPort ?? 15021);
    }
    let ready: Promise<void>;
    if (opts.bootstrap.dynamic_resources?.ads_config) {
      dns = await startDnsCapture(opts.bootstrap, opts.dnsAddress);
      xds = startXds(proxy, opts.bootstrap, opts.xdsAddress, dns && ((t) => dns!.setTable(t)));
      ready = xds.initialized.then(() => proxy.markInitialized());
    } else {
      proxy.markInitialized();
      ready = Promise.resolve();
    }
    return { proxy, adminPort, readinessPort, ready, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
