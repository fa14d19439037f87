// Server-side TLS settings of Gateway servers and Sidecar ingress listeners (istio
// validateTLSOptions): certificate fields each mode needs or forbids, cipher suites.

import type { Report } from "../diagnostic.ts";
import type { ServerTLSSettings } from "../types/gateway.ts";

/** Cipher suite names Envoy's BoringSSL accepts (istio pkg/config/security ValidCipherSuites). */
const CIPHERS = new Set([
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "ECDHE-PSK-CHACHA20-POLY1305",
  "ECDHE-ECDSA-AES128-SHA",
  "ECDHE-RSA-AES128-SHA",
  "ECDHE-PSK-AES128-CBC-SHA",
  "ECDHE-ECDSA-AES256-SHA",
  "ECDHE-RSA-AES256-SHA",
  "ECDHE-PSK-AES256-CBC-SHA",
  "AES128-GCM-SHA256",
  "AES256-GCM-SHA384",
  "AES128-SHA",
  "PSK-AES128-CBC-SHA",
  "AES256-SHA",
  "PSK-AES256-CBC-SHA",
  "DES-CBC3-SHA",
]);

export function validateServerTLS(
  tls: ServerTLSSettings | undefined,
  p: string,
  report: Report,
): void {
  if (!tls) return;
  if (
    (tls.minProtocolVersion === "TLSV1_0" || tls.minProtocolVersion === "TLSV1_1") &&
    !tls.cipherSuites?.length
  ) {
    report.warning(
      `${p}.minProtocolVersion`,
      "TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.",
    );
  }
  const invalid = new Set<string>();
  const valid = new Set<string>();
  const dup = new Set<string>();
  for (const c of tls.cipherSuites ?? []) {
    if (!CIPHERS.has(c)) invalid.add(c);
    else if (valid.has(c)) dup.add(c);
    else valid.add(c);
  }
  if (invalid.size)
    report.warning(
      `${p}.cipherSuites`,
      `ignoring invalid cipher suites: [${[...invalid].sort().join(" ")}]`,
    );
  if (dup.size)
    report.warning(
      `${p}.cipherSuites`,
      `ignoring duplicate cipher suites: [${[...dup].sort().join(" ")}]`,
    );

  const mode = tls.mode ?? "PASSTHROUGH";
  if (mode === "ISTIO_MUTUAL") {
    if (tls.serverCertificate)
      report.error(
        `${p}.serverCertificate`,
        "ISTIO_MUTUAL TLS cannot have associated server certificate",
      );
    if (tls.privateKey)
      report.error(`${p}.privateKey`, "ISTIO_MUTUAL TLS cannot have associated private key");
    if (tls.caCertificates)
      report.error(`${p}.caCertificates`, "ISTIO_MUTUAL TLS cannot have associated CA bundle");
    if (tls.credentialName)
      report.error(`${p}.credentialName`, "ISTIO_MUTUAL TLS cannot have associated credentialName");
    return;
  }
  if (mode === "PASSTHROUGH" || mode === "AUTO_PASSTHROUGH") {
    if (
      tls.caCrl ||
      tls.serverCertificate ||
      tls.privateKey ||
      tls.caCertificates ||
      tls.credentialName
    ) {
      report.warning(p, `${mode} mode does not use certificates, they will be ignored`);
    }
  }
  const hasCredential = Boolean(
    tls.credentialName || tls.credentialNames?.length || tls.tlsCertificates?.length,
  );
  if ((mode === "SIMPLE" || mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL") && hasCredential) {
    if (tls.caCrl && tls.credentialName) {
      report.error(
        `${p}.caCrl`,
        "CRL is not supported with credentialName. CRL has to be specified in the credential",
      );
    }
    return;
  }
  if (mode === "SIMPLE") {
    if (!tls.serverCertificate)
      report.error(`${p}.serverCertificate`, "SIMPLE TLS requires a server certificate");
    if (!tls.privateKey) report.error(`${p}.privateKey`, "SIMPLE TLS requires a private key");
    if (tls.caCrl) report.error(`${p}.caCrl`, "CRL is not supported with SIMPLE TLS");
  } else if (mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL") {
    if (!tls.serverCertificate)
      report.error(`${p}.serverCertificate`, "MUTUAL TLS requires a server certificate");
    if (!tls.privateKey) report.error(`${p}.privateKey`, "MUTUAL TLS requires a private key");
    if (!tls.caCertificates)
      report.error(`${p}.caCertificates`, "MUTUAL TLS requires a client CA bundle");
  }
}
