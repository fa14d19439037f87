// Sidecar (networking.istio.io): the scope and shape of a sidecar's inbound and outbound config.

import type { Resource } from "../resource.ts";
import type { NetworkWorkloadSelector } from "./common.ts";
import type { ConnectionPoolSettings } from "./destination-rule.ts";
import type { ServerTLSSettings } from "./gateway.ts";

export type CaptureMode = "DEFAULT" | "IPTABLES" | "NONE";

export interface SidecarPort {
  number?: number;
  protocol?: string;
  name?: string;
  targetPort?: number;
}

export interface IstioIngressListener {
  port: SidecarPort;
  bind?: string;
  captureMode?: CaptureMode;
  defaultEndpoint?: string;
  tls?: ServerTLSSettings;
  connectionPool?: ConnectionPoolSettings;
}

export interface IstioEgressListener {
  port?: SidecarPort;
  bind?: string;
  captureMode?: CaptureMode;
  hosts: string[];
}

export interface OutboundTrafficPolicy {
  mode?: "REGISTRY_ONLY" | "ALLOW_ANY";
  egressProxy?: { host: string; subset?: string; port?: { number?: number } };
}

export interface SidecarSpec {
  workloadSelector?: NetworkWorkloadSelector;
  ingress?: IstioIngressListener[];
  egress?: IstioEgressListener[];
  inboundConnectionPool?: ConnectionPoolSettings;
  outboundTrafficPolicy?: OutboundTrafficPolicy;
}

export type Sidecar = Resource<SidecarSpec>;
