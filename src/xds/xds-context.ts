// What the protocol handlers (SotW, delta) need from the server: generation over the current
// snapshot, the resource cache, nonces and versions, and hooks for ACK/NACK accounting.

import type { MeshProxy } from "../model/proxy.ts";
import type { Connection } from "./connection.ts";
import type { Resources } from "./generators/index.ts";
import type { ResourceCache } from "./resource-cache.ts";

export interface XdsContext {
  readonly identifier: string;
  readonly cache: ResourceCache;
  knownType(typeUrl: string): boolean;
  generate(proxy: MeshProxy, typeUrl: string, names: readonly string[] | undefined): Resources;
  nextNonce(): string;
  /** The version of the snapshot being served. */
  version(): string;
  onAck(conn: Connection, typeUrl: string): void;
  onNack(conn: Connection, typeUrl: string, message: string): void;
  onSent(conn: Connection, typeUrl: string, resources: number): void;
  log(msg: string, fields?: Record<string, unknown>): void;
}
