// Test certificates made with openssl in a test's temp dir: a self-signed CA and leaf
// certificates it signs with a given subjectAltName (DNS:… or URI:spiffe://…).

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export function openssl(...args: string[]): void {
  execFileSync("openssl", args, { stdio: "ignore" });
}

/** `<dir>/ca.pem` and `<dir>/ca.key`, valid for a day. */
export function makeCa(dir: string): void {
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    join(dir, "ca.key"),
    "-out",
    join(dir, "ca.pem"),
    "-subj",
    "/CN=test-ca",
    "-days",
    "1",
  );
}

/** `<dir>/<name>.pem` and `.key`, signed by the CA in `dir`, with `san` as subjectAltName. */
export function issueCert(dir: string, name: string, san: string): void {
  const f = (n: string) => join(dir, n);
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    f(`${name}.key`),
    "-out",
    f(`${name}.csr`),
    "-subj",
    `/CN=${name}`,
  );
  writeFileSync(f(`${name}.ext`), `subjectAltName=${san}\n`);
  openssl(
    "x509",
    "-req",
    "-in",
    f(`${name}.csr`),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-out",
    f(`${name}.pem`),
    "-days",
    "1",
    "-extfile",
    f(`${name}.ext`),
  );
}
