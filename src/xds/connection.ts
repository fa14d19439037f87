// One ADS stream from one proxy: its node, the proxy as the model sees it, and per resource
// type what it subscribed to, what was last sent (nonce, version, content hashes), what it
// ACKed and whether it NACKed: the state behind ACK/NACK handling and the sync status API.

import type { EnvoyNode } from "../envoy/index.ts";
import type { MeshProxy } from "../model/proxy.ts";

export interface WatchedType {
  /** Explicit names, or undefined for a wildcard subscription. */
  names: Set<string> | undefined;
  /** Nonce and version of the last response on this type. */
  nonce: string;
  version: string;
  acked: string;
  nack?: { readonly version: string; readonly message: string };
  /** What the client holds (or was last sent): resource name → content hash. */
  sent: Map<string, string>;
  /** Delta: a response was sent and not yet ACKed/NACKed. */
  awaiting: boolean;
  /**
   * Delta: the generated set `sent` was last brought up to date with. The same object again (the
   * snapshot's shared generation) has nothing new; cleared when the subscription changes.
   */
  current?: ReadonlyMap<string, unknown>;
}

export type SyncState = "SYNCED" | "NACKED" | "STALE" | "NOT SENT";

export interface TypeStatus {
  readonly typeUrl: string;
  readonly state: SyncState;
  readonly sentVersion: string;
  readonly ackedVersion: string;
  readonly nonce: string;
  readonly resources: number;
  readonly subscribed: readonly string[] | "*";
  readonly error?: string;
}

export interface ConnectionStatus {
  readonly connectionId: string;
  readonly proxyId: string;
  readonly protocol: "sotw" | "delta";
  readonly namespace: string;
  readonly proxyType: string;
  readonly generator?: string;
  /** ISTIO_VERSION from the node metadata (istioctl's VERSION column). */
  readonly istioVersion?: string;
  readonly connectedAt: string;
  readonly types: readonly TypeStatus[];
}

let seq = 0;

export class Connection {
  readonly id: string;
  readonly protocol: "sotw" | "delta";
  readonly connectedAt = new Date();
  readonly watches = new Map<string, WatchedType>();
  node: EnvoyNode | undefined;
  proxy: MeshProxy | undefined;
  /** Writes one response; resolves when the transport can take more (backpressure). */
  readonly send: (msg: unknown) => Promise<void>;
  closed = false;

  constructor(protocol: "sotw" | "delta", send: (msg: unknown) => Promise<void>) {
    this.protocol = protocol;
    this.send = send;
    this.id = `${protocol}-${++seq}`;
  }

  watch(typeUrl: string): WatchedType {
    let w = this.watches.get(typeUrl);
    if (!w) {
      w = { names: new Set(), nonce: "", version: "", acked: "", sent: new Map(), awaiting: false };
      this.watches.set(typeUrl, w);
    }
    return w;
  }

  status(): ConnectionStatus {
    const types: TypeStatus[] = [];
    for (const [typeUrl, w] of [...this.watches].sort(([a], [b]) => a.localeCompare(b))) {
      const state: SyncState = !w.version
        ? "NOT SENT"
        : w.nack && w.nack.version === w.version
          ? "NACKED"
          : w.acked === w.version
            ? "SYNCED"
            : "STALE";
      types.push({
        typeUrl,
        state,
        sentVersion: w.version,
        ackedVersion: w.acked,
        nonce: w.nonce,
        resources: w.sent.size,
        subscribed: w.names ? [...w.names].sort() : "*",
        ...(w.nack ? { error: w.nack.message } : {}),
      });
    }
    return {
      connectionId: this.id,
      proxyId: this.proxy?.id ?? this.node?.id ?? "",
      protocol: this.protocol,
      namespace: this.proxy?.namespace ?? "",
      proxyType: this.proxy?.type ?? "",
      ...(this.proxy?.generator ? { generator: this.proxy.generator } : {}),
      ...(this.proxy?.istioVersion ? { istioVersion: this.proxy.istioVersion } : {}),
      connectedAt: this.connectedAt.toISOString(),
      types,
    };
  }
}
