// extensions.istio.io: WasmPlugin and TrafficExtension (Wasm or Lua filters added to proxies).

import type { Resource } from "../resource.ts";
import type { PolicyTargeting, Struct } from "./common.ts";

export type PluginPhase = "UNSPECIFIED_PHASE" | "AUTHN" | "AUTHZ" | "STATS";
export type PullPolicy = "UNSPECIFIED_POLICY" | "IfNotPresent" | "Always";
export type FailStrategy = "FAIL_CLOSE" | "FAIL_OPEN" | "FAIL_RELOAD";
export type PluginType = "UNSPECIFIED_PLUGIN_TYPE" | "HTTP" | "NETWORK";

export interface VmConfig {
  env?: { name: string; valueFrom?: "INLINE" | "HOST"; value?: string }[];
}

export interface TrafficSelector {
  mode?: "UNDEFINED" | "CLIENT" | "SERVER" | "CLIENT_AND_SERVER";
  ports?: { number: number }[];
}

export interface WasmPluginSpec extends PolicyTargeting {
  url: string;
  sha256?: string;
  imagePullPolicy?: PullPolicy;
  imagePullSecret?: string;
  verificationKey?: string;
  pluginConfig?: Struct;
  pluginName?: string;
  phase?: PluginPhase;
  priority?: number;
  failStrategy?: FailStrategy;
  vmConfig?: VmConfig;
  match?: TrafficSelector[];
  type?: PluginType;
}

export interface TrafficExtensionSpec extends PolicyTargeting {
  phase?: "UNSPECIFIED" | "AUTHN" | "AUTHZ" | "STATS";
  priority?: number;
  match?: TrafficSelector[];
  wasm?: Omit<WasmPluginSpec, keyof PolicyTargeting | "phase" | "priority" | "match">;
  lua?: { inlineCode: string };
}

export type WasmPlugin = Resource<WasmPluginSpec>;
export type TrafficExtension = Resource<TrafficExtensionSpec>;
