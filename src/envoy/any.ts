// Any packing and message encoding in Envoy's JSON form: what a control plane calls to put a
// generated resource on the wire and what a proxy calls to read one back.

import {
  decodeToJson,
  EnvoyConfigError,
  encodeJson,
  type JsonObject,
  messageFromJson,
  messageToJson,
} from "./json.ts";
import { messageType, typeForUrl } from "./protos.ts";
import { messageNameOf } from "./type-urls.ts";

/** google.protobuf.Any as protobufjs and @grpc/proto-loader represent it. */
export interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

function typeOf(typeUrl: string) {
  const t = typeForUrl(typeUrl);
  if (!t) throw new EnvoyConfigError("", `unknown type URL "${typeUrl}"`);
  return t;
}

/**
 * Packs a message given in Envoy's JSON form (nested Anys as {"@type": ...}) into an Any.
 * Throws EnvoyConfigError naming the field when the object does not fit the type.
 * @example packAny(TYPE_URL.CLUSTER, { name: "outbound|80||a.svc", type: "EDS", ... })
 */
export function packAny(typeUrl: string, obj: unknown, path = ""): AnyMessage {
  return { type_url: typeUrl, value: encodeJson(typeOf(typeUrl), obj, path) };
}

/** Unpacks an Any into Envoy's JSON form: {"@type": typeUrl, ...fields}. */
export function unpackAny(any: AnyMessage): JsonObject {
  return messageToJson(messageType("google.protobuf.Any"), {
    type_url: any.type_url,
    value: any.value,
  }) as JsonObject;
}

/** Encodes a message of the named type (e.g. "envoy.config.listener.v3.Listener"). */
export function encodeMessage(typeName: string, obj: unknown, path = ""): Uint8Array {
  return encodeJson(messageType(typeName), obj, path);
}

/** Decodes bytes of the named type into Envoy's JSON form. */
export function decodeMessage(typeName: string, bytes: Uint8Array): JsonObject {
  return decodeToJson(messageType(typeName), bytes);
}

/**
 * Checks an object against the named type and returns it in canonical JSON form (durations as
 * "1.5s", wrappers as plain values, unknown fields rejected), exactly as if it had come over ADS.
 * This is how a static bootstrap's resources and ADS resources end up in the same shape.
 */
export function normalizeMessage(typeName: string, obj: unknown, path = ""): JsonObject {
  const t = messageType(typeName);
  return decodeToJson(t, encodeJson(t, obj, path));
}

/** Canonical form of a resource given with "@type" (a static resource or a ConfigDump entry). */
export function normalizeAny(obj: unknown, path = ""): JsonObject {
  const any = messageFromJson(
    messageType("google.protobuf.Any"),
    obj,
    path,
  ) as unknown as AnyMessage;
  return unpackAny(any);
}

/** A proto-loader / protobufjs decoded object (keepCase) of the named type, in Envoy's JSON form. */
export function protoObjectToJson(typeName: string, obj: Record<string, unknown>): JsonObject {
  return messageToJson(messageType(typeName), obj) as JsonObject;
}

export { messageNameOf };
