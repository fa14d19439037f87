// `mast proxy-config secret`: the SDS and static secrets of a proxy's /config_dump with
// istioctl's columns, each certificate read for its serial number and validity period.

import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { arr, type ConfigDump, obj, section, str } from "./proxy-config-tables.ts";
import { table } from "./tables.ts";

const HEADER = [
  "RESOURCE NAME",
  "TYPE",
  "STATUS",
  "VALID CERT",
  "SERIAL NUMBER",
  "NOT AFTER",
  "NOT BEFORE",
];

/** The PEM an Envoy DataSource holds (inline bytes, inline string, or a file on this host). */
function dataSource(ds: Record<string, unknown>): string | undefined {
  if (typeof ds.inline_bytes === "string") return Buffer.from(ds.inline_bytes, "base64").toString();
  if (typeof ds.inline_string === "string") return ds.inline_string;
  if (typeof ds.filename === "string" && existsSync(ds.filename))
    return readFileSync(ds.filename, "utf8");
  return undefined;
}

/** RFC 3339 in UTC without fractions, as Go prints a time.Time with time.RFC3339. */
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

function certRow(name: string, type: string, status: string, pem: string | undefined, now: Date) {
  let cert: X509Certificate | undefined;
  try {
    cert = pem ? new X509Certificate(pem) : undefined;
  } catch {
    cert = undefined;
  }
  if (!cert) return [name, type, status, "false", "", "", ""];
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  const valid = now >= notBefore && now <= notAfter;
  // Go's %x of a big.Int: lower case, no leading zeros.
  const serial = BigInt(`0x${cert.serialNumber}`).toString(16);
  return [name, type, status, String(valid), serial, rfc3339(notAfter), rfc3339(notBefore)];
}

export function secretsTable(dump: ConfigDump, now = new Date()): string {
  const s = section(dump, "SecretsConfigDump");
  const entries = [
    ...arr(s.static_secrets).map((e) => ({ e, status: "ACTIVE" })),
    ...arr(s.dynamic_active_secrets).map((e) => ({ e, status: "ACTIVE" })),
    ...arr(s.dynamic_warming_secrets).map((e) => ({ e, status: "WARMING" })),
  ];
  const rows = entries.flatMap(({ e, status }) => {
    const secret = obj(e.secret);
    const name = str(e.name) || str(secret.name);
    const out: string[][] = [];
    const tc = obj(secret.tls_certificate);
    if (secret.tls_certificate)
      out.push(certRow(name, "Cert Chain", status, dataSource(obj(tc.certificate_chain)), now));
    const vc = obj(secret.validation_context);
    if (secret.validation_context)
      out.push(certRow(name, "CA", status, dataSource(obj(vc.trusted_ca)), now));
    return out;
  });
  return table(HEADER, rows);
}
