// EnvoyFilter (networking.istio.io/v1alpha3): raw patches to the generated Envoy config, and
// ProxyConfig (networking.istio.io/v1beta1): per-workload proxy bootstrap knobs.

import type { Resource } from "../resource.ts";
import type {
  NetworkWorkloadSelector,
  PolicyTargetReference,
  Struct,
  WorkloadSelector,
} from "./common.ts";

export type ApplyTo =
  | "INVALID"
  | "LISTENER"
  | "FILTER_CHAIN"
  | "NETWORK_FILTER"
  | "HTTP_FILTER"
  | "ROUTE_CONFIGURATION"
  | "VIRTUAL_HOST"
  | "HTTP_ROUTE"
  | "CLUSTER"
  | "EXTENSION_CONFIG"
  | "BOOTSTRAP"
  | "LISTENER_FILTER";

export type PatchContext = "ANY" | "SIDECAR_INBOUND" | "SIDECAR_OUTBOUND" | "GATEWAY" | "WAYPOINT";

export type PatchOperation =
  | "INVALID"
  | "MERGE"
  | "ADD"
  | "REMOVE"
  | "INSERT_BEFORE"
  | "INSERT_AFTER"
  | "INSERT_FIRST"
  | "REPLACE"
  | "MERGE_AND_REPLACE_LIST";

export interface FilterMatch {
  name?: string;
  subFilter?: { name?: string };
}

export interface ListenerMatch {
  portNumber?: number;
  portName?: string;
  name?: string;
  listenerFilter?: string;
  filterChain?: {
    name?: string;
    sni?: string;
    transportProtocol?: string;
    applicationProtocols?: string;
    destinationPort?: number;
    filter?: FilterMatch;
    transportSocket?: { name?: string };
  };
}

export interface RouteConfigurationMatch {
  portNumber?: number;
  portName?: string;
  gateway?: string;
  name?: string;
  vhost?: {
    name?: string;
    domainName?: string;
    route?: { name?: string; action?: "ANY" | "ROUTE" | "REDIRECT" | "DIRECT_RESPONSE" };
  };
}

export interface ClusterMatch {
  portNumber?: number;
  service?: string;
  subset?: string;
  name?: string;
}

export interface EnvoyConfigObjectMatch {
  context?: PatchContext;
  proxy?: { proxyVersion?: string; metadata?: Record<string, string> };
  listener?: ListenerMatch;
  routeConfiguration?: RouteConfigurationMatch;
  cluster?: ClusterMatch;
  waypoint?: { portNumber?: number; route?: { name?: string }; filter?: FilterMatch };
}

export interface EnvoyConfigObjectPatch {
  applyTo?: ApplyTo;
  match?: EnvoyConfigObjectMatch;
  patch?: {
    operation?: PatchOperation;
    value?: Struct;
    filterClass?: "UNSPECIFIED" | "AUTHN" | "AUTHZ" | "STATS";
  };
}

export interface EnvoyFilterSpec {
  workloadSelector?: NetworkWorkloadSelector;
  targetRefs?: PolicyTargetReference[];
  configPatches?: EnvoyConfigObjectPatch[];
  priority?: number;
}

export interface ProxyConfigSpec {
  selector?: WorkloadSelector;
  concurrency?: number;
  environmentVariables?: Record<string, string>;
  image?: { imageType?: string };
}

export type EnvoyFilter = Resource<EnvoyFilterSpec>;
export type ProxyConfig = Resource<ProxyConfigSpec>;
