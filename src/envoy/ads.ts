// The Aggregated Discovery Service (SotW and Delta) as a @grpc/grpc-js service definition whose
// messages are in Envoy's JSON form: resources arrive unpacked ({"@type", ...}) and may be sent
// either in that form or pre-packed as {type_url, value} (cheaper when one push serves many proxies).

import type { ServiceDefinition } from "@grpc/grpc-js";
import type { AnyMessage } from "./any.ts";
import { decodeMessage, encodeMessage } from "./any.ts";
import type { JsonObject } from "./json.ts";

export const ADS_SERVICE_NAME = "envoy.service.discovery.v3.AggregatedDiscoveryService";

/** google.rpc.Status as carried in a NACK's error_detail. */
export interface RpcStatus {
  code?: number;
  message?: string;
  details?: JsonObject[];
}

/** envoy.config.core.v3.Node in JSON form (metadata is a plain object). */
export interface EnvoyNode {
  id?: string;
  cluster?: string;
  metadata?: JsonObject;
  locality?: { region?: string; zone?: string; sub_zone?: string };
  user_agent_name?: string;
  user_agent_version?: string;
  client_features?: string[];
  [field: string]: unknown;
}

/** A resource on the wire: unpacked JSON with "@type", or a packed Any. */
export type WireResource = JsonObject | AnyMessage;

export interface DiscoveryRequest {
  version_info?: string;
  node?: EnvoyNode;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: RpcStatus;
}

export interface DiscoveryResponse {
  version_info?: string;
  resources?: WireResource[];
  canary?: boolean;
  type_url?: string;
  nonce?: string;
  control_plane?: { identifier?: string };
}

export interface DeltaDiscoveryRequest {
  node?: EnvoyNode;
  type_url?: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: RpcStatus;
}

/** envoy.service.discovery.v3.Resource: one named, versioned resource of a delta response. */
export interface DeltaResource {
  name?: string;
  aliases?: string[];
  version?: string;
  resource?: WireResource;
  ttl?: string;
}

export interface DeltaDiscoveryResponse {
  system_version_info?: string;
  resources?: DeltaResource[];
  type_url?: string;
  removed_resources?: string[];
  nonce?: string;
}

const PKG = "envoy.service.discovery.v3";

function codec<T>(typeName: string) {
  return {
    serialize: (v: T): Buffer => Buffer.from(encodeMessage(`${PKG}.${typeName}`, v, typeName)),
    deserialize: (b: Buffer): T => decodeMessage(`${PKG}.${typeName}`, b) as T,
  };
}

const sotwReq = codec<DiscoveryRequest>("DiscoveryRequest");
const sotwRes = codec<DiscoveryResponse>("DiscoveryResponse");
const deltaReq = codec<DeltaDiscoveryRequest>("DeltaDiscoveryRequest");
const deltaRes = codec<DeltaDiscoveryResponse>("DeltaDiscoveryResponse");

/**
 * For `server.addService(ADS_SERVICE, handlers)` and `makeGenericClientConstructor(ADS_SERVICE, ...)`.
 * Both methods are bidirectional streams.
 */
export const ADS_SERVICE = {
  StreamAggregatedResources: {
    path: `/${ADS_SERVICE_NAME}/StreamAggregatedResources`,
    requestStream: true,
    responseStream: true,
    requestSerialize: sotwReq.serialize,
    requestDeserialize: sotwReq.deserialize,
    responseSerialize: sotwRes.serialize,
    responseDeserialize: sotwRes.deserialize,
  },
  DeltaAggregatedResources: {
    path: `/${ADS_SERVICE_NAME}/DeltaAggregatedResources`,
    requestStream: true,
    responseStream: true,
    requestSerialize: deltaReq.serialize,
    requestDeserialize: deltaReq.deserialize,
    responseSerialize: deltaRes.serialize,
    responseDeserialize: deltaRes.deserialize,
  },
} satisfies ServiceDefinition;
