// Istio's EnvoyFilter patches often carry a filter's config as a TypedStruct (xds.type.v3 or
// udpa.type.v1): {type_url, value: <JSON of the message>}. Envoy reads it as the named message;
// so do we, normalized (and validated) through the message's proto.

import { normalizeMessage, TYPE_URL } from "../../../envoy/index.ts";
import type { TypedConfig } from "../../config-types.ts";

const STRUCTS = new Set<string>([TYPE_URL.TYPED_STRUCT, TYPE_URL.UDPA_TYPED_STRUCT]);

export function unwrapTypedStruct(tc: TypedConfig, path: string): TypedConfig {
  if (!STRUCTS.has(tc["@type"])) return tc;
  const typeUrl = typeof tc.type_url === "string" ? tc.type_url : "";
  if (!typeUrl) throw new Error(`${path}.type_url: required in a TypedStruct`);
  const name = typeUrl.slice(typeUrl.lastIndexOf("/") + 1);
  let inner: TypedConfig;
  try {
    inner = { "@type": typeUrl, ...normalizeMessage(name, tc.value ?? {}, `${path}.value`) };
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  return inner;
}
