// Gateway (networking.istio.io): L4-L6 listeners on an edge proxy, and the server-side TLS
// settings shared with Sidecar ingress listeners.

import type { Resource } from "../resource.ts";
import type { Labels } from "./common.ts";

export interface GatewaySpec {
  servers?: Server[];
  selector?: Labels;
}

export interface Port {
  number: number;
  protocol: string;
  name: string;
  /** Deprecated and hidden. */
  targetPort?: number;
}

export interface Server {
  port: Port;
  bind?: string;
  hosts: string[];
  tls?: ServerTLSSettings;
  name?: string;
  defaultEndpoint?: string;
}

export type ServerTLSMode =
  | "PASSTHROUGH"
  | "SIMPLE"
  | "MUTUAL"
  | "AUTO_PASSTHROUGH"
  | "ISTIO_MUTUAL"
  | "OPTIONAL_MUTUAL";

export type TLSProtocol = "TLS_AUTO" | "TLSV1_0" | "TLSV1_1" | "TLSV1_2" | "TLSV1_3";

export interface ServerTLSSettings {
  httpsRedirect?: boolean;
  mode?: ServerTLSMode;
  serverCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  caCrl?: string;
  credentialName?: string;
  credentialNames?: string[];
  caCertCredentialName?: string;
  tlsCertificates?: { serverCertificate?: string; privateKey?: string; caCertificates?: string }[];
  subjectAltNames?: string[];
  verifyCertificateSpki?: string[];
  verifyCertificateHash?: string[];
  minProtocolVersion?: TLSProtocol;
  maxProtocolVersion?: TLSProtocol;
  cipherSuites?: string[];
  ecdhCurves?: string[];
}

export type Gateway = Resource<GatewaySpec>;
