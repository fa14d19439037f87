// Kubernetes Gateway API routes: HTTPRoute, GRPCRoute, TCPRoute, TLSRoute and UDPRoute, with the
// fields Istio translates into VirtualServices.

import type { Resource } from "../resource.ts";
import type { ParentReference } from "./gateway-api.ts";

export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
}

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HTTPHeaderFilter {
  set?: HTTPHeader[];
  add?: HTTPHeader[];
  remove?: string[];
}

export interface HTTPPathModifier {
  type: "ReplaceFullPath" | "ReplacePrefixMatch";
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

export interface HTTPRouteFilter {
  type: string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestMirror?: {
    backendRef: BackendRef;
    percent?: number;
    fraction?: { numerator: number; denominator?: number };
  };
  requestRedirect?: {
    scheme?: string;
    hostname?: string;
    path?: HTTPPathModifier;
    port?: number;
    statusCode?: number;
  };
  urlRewrite?: { hostname?: string; path?: HTTPPathModifier };
  cors?: {
    allowOrigins?: string[];
    allowCredentials?: boolean;
    allowMethods?: string[];
    allowHeaders?: string[];
    exposeHeaders?: string[];
    maxAge?: number;
  };
  extensionRef?: { group: string; kind: string; name: string };
}

export interface HTTPRouteMatch {
  path?: { type?: "Exact" | "PathPrefix" | "RegularExpression"; value?: string };
  headers?: { type?: "Exact" | "RegularExpression"; name: string; value: string }[];
  queryParams?: { type?: "Exact" | "RegularExpression"; name: string; value: string }[];
  method?: string;
}

export interface HTTPBackendRef extends BackendRef {
  filters?: HTTPRouteFilter[];
}

export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
  retry?: { codes?: number[]; attempts?: number; backoff?: string };
  sessionPersistence?: Record<string, unknown>;
}

interface CommonRouteSpec {
  parentRefs?: ParentReference[];
}

export interface HTTPRouteSpec extends CommonRouteSpec {
  hostnames?: string[];
  rules?: HTTPRouteRule[];
}

export interface GRPCRouteMatch {
  method?: { type?: "Exact" | "RegularExpression"; service?: string; method?: string };
  headers?: { type?: "Exact" | "RegularExpression"; name: string; value: string }[];
}

export interface GRPCRouteRule {
  name?: string;
  matches?: GRPCRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  sessionPersistence?: Record<string, unknown>;
}

export interface GRPCRouteSpec extends CommonRouteSpec {
  hostnames?: string[];
  rules?: GRPCRouteRule[];
}

export interface L4RouteRule {
  name?: string;
  backendRefs?: BackendRef[];
}

export interface TCPRouteSpec extends CommonRouteSpec {
  rules: L4RouteRule[];
}

export interface TLSRouteSpec extends CommonRouteSpec {
  hostnames?: string[];
  rules: L4RouteRule[];
}

export type UDPRouteSpec = TCPRouteSpec;

export type KubeHTTPRoute = Resource<HTTPRouteSpec>;
export type KubeGRPCRoute = Resource<GRPCRouteSpec>;
export type KubeTCPRoute = Resource<TCPRouteSpec>;
export type KubeTLSRoute = Resource<TLSRouteSpec>;
export type KubeUDPRoute = Resource<UDPRouteSpec>;
