// Protobuf merge semantics on Envoy's JSON form, as EnvoyFilter MERGE applies them (istio
// pkg/proto/merge over proto.Merge): set scalars overwrite, singular messages merge field by
// field, repeated fields append, map entries replace, setting one member of a oneof clears the
// others, and well-known types (Duration, wrappers, Value) replace. An Any merges field by field
// when both sides carry the same type (Istio's MergeAnyWithAny for filter typed_config and
// transport sockets) and is replaced otherwise. The patch side is canonical JSON (proto3 default
// scalars are absent, so they never overwrite), as EnvoyFilterIndex prepares it.

import type protobuf from "protobufjs";
import { type JsonObject, type JsonValue, messageType, typeForUrl } from "../../../envoy/index.ts";

const fieldIndex = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

function fieldsOf(type: protobuf.Type): Map<string, protobuf.Field> {
  let m = fieldIndex.get(type);
  if (!m) {
    m = new Map(type.fieldsArray.map((f) => [f.name, f]));
    fieldIndex.set(type, m);
  }
  return m;
}

/**
 * A deep copy that shares nothing: generated config may reference one object from several places
 * (an HCM in two filter chains), which structuredClone would keep shared.
 */
export function copyJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Merges `src` into `dst` (mutated), both messages of the named Envoy type. */
export function mergeInto(typeName: string, dst: JsonObject, src: JsonObject): void {
  mergeMessage(messageType(typeName), dst, src);
}

function mergeMessage(type: protobuf.Type, dst: JsonObject, src: JsonObject): void {
  const fields = fieldsOf(type);
  for (const [key, value] of Object.entries(src)) {
    const field = fields.get(key);
    if (!field) {
      // "@type" rides along with an Any; anything else does not belong to this message.
      if (key === "@type") continue;
      throw new Error(`unknown field "${key}" for ${type.fullName.slice(1)}`);
    }
    const oneof = field.partOf;
    if (oneof) for (const other of oneof.oneof) if (other !== key) delete dst[other];
    dst[key] = mergeField(field, dst[key], value);
  }
}

function mergeField(field: protobuf.Field, dst: JsonValue | undefined, src: JsonValue): JsonValue {
  if (field.map) return { ...(isObject(dst) ? dst : {}), ...copyJson(src as JsonObject) };
  if (field.repeated) {
    return [...(Array.isArray(dst) ? dst : []), ...copyJson(src as JsonValue[])];
  }
  field.resolve();
  const type = field.resolvedType;
  if (!type || !("fieldsArray" in type) || !isObject(src) || !isObject(dst)) {
    return copyJson(src);
  }
  const msg = type as protobuf.Type;
  switch (msg.fullName) {
    case ".google.protobuf.Any": {
      const at = src["@type"];
      if (typeof at !== "string" || dst["@type"] !== at) return copyJson(src);
      const inner = typeForUrl(at);
      if (!inner) return copyJson(src);
      const out = copyJson(dst);
      mergeMessage(inner, out, src);
      return out;
    }
    case ".google.protobuf.Struct":
      return { ...dst, ...copyJson(src) };
    default:
      if (msg.fullName.startsWith(".google.protobuf.")) return copyJson(src);
  }
  const out = copyJson(dst);
  mergeMessage(msg, out, src);
  return out;
}
