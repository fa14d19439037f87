// Envoy v3 API for the rest of Mast: protos, type URLs, Any packing and the ADS service, all in
// Envoy's JSON form (see json.ts). Import from here rather than from the files behind it.

export type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DeltaResource,
  DiscoveryRequest,
  DiscoveryResponse,
  EnvoyNode,
  RpcStatus,
  WireResource,
} from "./ads.ts";
export { ADS_SERVICE, ADS_SERVICE_NAME } from "./ads.ts";
export type { AnyMessage } from "./any.ts";
export {
  decodeMessage,
  encodeMessage,
  normalizeAny,
  normalizeMessage,
  packAny,
  protoObjectToJson,
  unpackAny,
} from "./any.ts";
export type { JsonObject, JsonValue } from "./json.ts";
export { EnvoyConfigError } from "./json.ts";
export { envoyRoot, messageType, PROTO_INCLUDE_DIRS, typeForUrl } from "./protos.ts";
export type { TypeUrl } from "./type-urls.ts";
export { messageNameOf, TYPE_URL, typeUrlOf, XDS_SHORT_NAME } from "./type-urls.ts";
