// Envoy's Upstream/DownstreamTlsContext → node:tls options. Certificates come inline, from files,
// or from SDS secrets by name; a context whose SDS secret has not arrived yet is "not ready", which
// keeps the cluster or listener that needs it warming instead of serving without TLS.

import { readFileSync } from "node:fs";
import type { ConnectionOptions, TlsOptions } from "node:tls";
import type { JsonObject } from "../envoy/index.ts";
import type { DataSource, Secret } from "./config-types.ts";

export type SecretLookup = (name: string) => Secret | undefined;

export class SecretNotReady extends Error {
  readonly secret: string;
  constructor(name: string) {
    super(`SDS secret "${name}" has not been received`);
    this.secret = name;
  }
}

function readSource(ds: DataSource | undefined, path: string): string | undefined {
  if (!ds) return undefined;
  if (ds.inline_string !== undefined) return ds.inline_string;
  if (ds.inline_bytes !== undefined) return Buffer.from(ds.inline_bytes, "base64").toString("utf8");
  if (ds.filename !== undefined) {
    try {
      return readFileSync(ds.filename, "utf8");
    } catch (e) {
      throw new Error(`${path}.filename: cannot read ${ds.filename}: ${(e as Error).message}`);
    }
  }
  return undefined;
}

interface CommonTls {
  cert?: string;
  key?: string;
  ca?: string;
  alpn?: string[];
  sanMatchers: JsonObject[];
}

type Obj = Record<string, unknown>;

function secretByName(lookup: SecretLookup, cfg: unknown): Secret {
  const name = (cfg as Obj | undefined)?.name as string | undefined;
  if (!name) throw new Error("an SDS secret config needs a name");
  const s = lookup(name);
  if (!s) throw new SecretNotReady(name);
  return s;
}

function commonTls(ctx: Obj | undefined, lookup: SecretLookup, path: string): CommonTls {
  const out: CommonTls = { sanMatchers: [] };
  if (!ctx) return out;
  const certs = (ctx.tls_certificates as Obj[] | undefined) ?? [];
  if (certs[0]) {
    out.cert = readSource(
      certs[0].certificate_chain as DataSource,
      `${path}.tls_certificates[0].certificate_chain`,
    );
    out.key = readSource(
      certs[0].private_key as DataSource,
      `${path}.tls_certificates[0].private_key`,
    );
  }
  const sdsCerts = (ctx.tls_certificate_sds_secret_configs as Obj[] | undefined) ?? [];
  if (sdsCerts[0]) {
    const s = secretByName(lookup, sdsCerts[0]);
    out.cert = readSource(
      s.tls_certificate?.certificate_chain,
      `secret ${s.name}.tls_certificate.certificate_chain`,
    );
    out.key = readSource(
      s.tls_certificate?.private_key,
      `secret ${s.name}.tls_certificate.private_key`,
    );
  }
  let vc = ctx.validation_context as Obj | undefined;
  const combined = ctx.combined_validation_context as Obj | undefined;
  if (combined) vc = { ...((combined.default_validation_context as Obj) ?? {}) };
  const vcSds = (ctx.validation_context_sds_secret_config ??
    combined?.validation_context_sds_secret_config) as Obj | undefined;
  if (vc) {
    out.ca = readSource(vc.trusted_ca as DataSource, `${path}.validation_context.trusted_ca`);
    out.sanMatchers = (vc.match_typed_subject_alt_names as JsonObject[] | undefined) ?? [];
  }
  if (vcSds) {
    const s = secretByName(lookup, vcSds);
    out.ca = readSource(
      s.validation_context?.trusted_ca,
      `secret ${s.name}.validation_context.trusted_ca`,
    );
  }
  out.alpn = ctx.alpn_protocols as string[] | undefined;
  return out;
}

/** SAN check for Envoy's match_typed_subject_alt_names (URI/DNS exact or prefix). */
function sanCheck(matchers: JsonObject[]) {
  return (_host: string, cert: { subjectaltname?: string }): Error | undefined => {
    const sans = (cert.subjectaltname ?? "").split(", ").map((s) => {
      const i = s.indexOf(":");
      return { type: s.slice(0, i), value: s.slice(i + 1) };
    });
    for (const m of matchers) {
      const type =
        { URI: "URI", DNS: "DNS", EMAIL: "email", IP_ADDRESS: "IP Address" }[String(m.san_type)] ??
        "";
      const sm = (m.matcher ?? {}) as Obj;
      for (const s of sans) {
        if (s.type !== type) continue;
        if (sm.exact !== undefined && s.value === sm.exact) return undefined;
        if (sm.prefix !== undefined && s.value.startsWith(String(sm.prefix))) return undefined;
      }
    }
    return new Error(`no subject alt name matches (${cert.subjectaltname ?? "none"})`);
  };
}

/** Client options for an upstream TLS connection. */
export function upstreamTlsOptions(
  ctx: Obj,
  lookup: SecretLookup,
  path: string,
): ConnectionOptions {
  const c = commonTls(
    ctx.common_tls_context as Obj | undefined,
    lookup,
    `${path}.common_tls_context`,
  );
  return {
    cert: c.cert,
    key: c.key,
    ca: c.ca,
    servername: (ctx.sni as string | undefined) || undefined,
    ALPNProtocols: c.alpn,
    rejectUnauthorized: c.ca !== undefined,
    checkServerIdentity: c.sanMatchers.length ? sanCheck(c.sanMatchers) : () => undefined,
  };
}

/** Server options for a filter chain's DownstreamTlsContext. */
export function downstreamTlsOptions(ctx: Obj, lookup: SecretLookup, path: string): TlsOptions {
  const c = commonTls(
    ctx.common_tls_context as Obj | undefined,
    lookup,
    `${path}.common_tls_context`,
  );
  if (!c.cert || !c.key)
    throw new Error(`${path}.common_tls_context: a server certificate is required`);
  const requireClient = ctx.require_client_certificate === true;
  return {
    cert: c.cert,
    key: c.key,
    ca: c.ca,
    ALPNProtocols: c.alpn,
    requestCert: requireClient || c.ca !== undefined,
    rejectUnauthorized: requireClient,
  };
}
