// `mast proxy-config secret`: istioctl's secret table from a proxy's SecretsConfigDump, as golden
// text from a config dump (fixed certificates, valid 2026-01-01 to 2036-01-01), and from a real
// `mast proxy` holding a static TLS secret; a proxy without secrets prints the header alone.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { ConfigDump } from "../../src/cli/proxy-config-tables.ts";
import { secretsTable } from "../../src/cli/secret-table.ts";
import { ROOT } from "../helpers/paths.ts";
import { type Started, startMastProxy } from "../helpers/process.ts";
import { runMast } from "../helpers/run.ts";

const DIR = `${ROOT}test/testdata/cli/`;
const CERTS = `${DIR}secrets/`;
const SECRETS = "type.googleapis.com/envoy.admin.v3.SecretsConfigDump";
const HEADER =
  "RESOURCE NAME     TYPE     STATUS     VALID CERT     SERIAL NUMBER     NOT AFTER     NOT BEFORE\n";

function golden(name: string, got: string): void {
  const file = `${DIR}${name}.golden.txt`;
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, got);
  assert.equal(got, readFileSync(file, "utf8"));
}

const pem = (f: string) => readFileSync(CERTS + f, "utf8");

/** A SecretsConfigDump as Envoy writes it: SDS secrets carry inline_bytes (base64). */
function dump(): ConfigDump {
  return {
    configs: [
      {
        "@type": SECRETS,
        static_secrets: [
          {
            name: "gateway-cert",
            secret: {
              name: "gateway-cert",
              tls_certificate: {
                certificate_chain: { filename: `${CERTS}workload.pem` },
                private_key: { inline_string: "[redacted]" },
              },
            },
          },
        ],
        dynamic_active_secrets: [
          {
            name: "default",
            version_info: "1",
            secret: {
              name: "default",
              tls_certificate: {
                certificate_chain: {
                  inline_bytes: Buffer.from(pem("workload.pem")).toString("base64"),
                },
                private_key: { inline_string: "[redacted]" },
              },
            },
          },
          {
            name: "ROOTCA",
            version_info: "1",
            secret: {
              name: "ROOTCA",
              validation_context: { trusted_ca: { inline_string: pem("ca.pem") } },
            },
          },
        ],
      },
    ],
  };
}

describe("mast proxy-config secret", () => {
  const home = mkdtempSync(join(tmpdir(), "mast-secret-"));
  let proxy: Started | undefined;
  after(async () => {
    await proxy?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test("istioctl's columns: type, status, validity, serial number and period of each certificate", () => {
    const out = secretsTable(dump(), new Date("2026-06-01T00:00:00Z"));
    assert.match(
      out,
      /^default\s+Cert Chain\s+ACTIVE\s+true\s+6f6b9b5a1e5f3c9b\s+2036-01-01T00:00:00Z\s+2026-01-01T00:00:00Z$/m,
    );
    assert.match(out, /^ROOTCA\s+CA\s+ACTIVE\s+true\s+1a2b3c4d5\s+/m);
    golden("proxy-config-secret", out);
    // After NOT AFTER the certificate is no longer valid.
    assert.match(
      secretsTable(dump(), new Date("2036-06-01T00:00:00Z")),
      /^default\s+Cert Chain\s+ACTIVE\s+false\s/m,
    );
  });

  test("a proxy without secrets (a Bookinfo sidecar before there is a CA): the header alone", () => {
    assert.equal(secretsTable({ configs: [] }), HEADER);
  });

  test("a running proxy with a static TLS secret, found by its bootstrap in MAST_HOME", async () => {
    const secrets = [
      {
        name: "default",
        tls_certificate: {
          certificate_chain: { filename: `${CERTS}workload.pem` },
          private_key: { filename: `${CERTS}workload.key` },
        },
      },
      { name: "ROOTCA", validation_context: { trusted_ca: { filename: `${CERTS}ca.pem` } } },
    ];
    const file = join(home, "bootstrap.json");
    writeFileSync(file, JSON.stringify({ static_resources: { secrets } }));
    proxy = await startMastProxy(file);
    const port = Number(proxy.match[1]);
    mkdirSync(join(home, "run"), { recursive: true });
    writeFileSync(
      join(home, "run", "ratings-v1-proxy.bootstrap.json"),
      JSON.stringify({
        node: { id: "sidecar~127.0.0.1~ratings-v1-0.default~default.svc.cluster.local" },
        admin: { address: { socket_address: { address: "127.0.0.1", port_value: port } } },
      }),
    );
    const r = runMast(["proxy-config", "secret", "ratings-v1"], { env: { MAST_HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.match(
      lines[0]!,
      /^RESOURCE NAME\s+TYPE\s+STATUS\s+VALID CERT\s+SERIAL NUMBER\s+NOT AFTER\s+NOT BEFORE$/,
    );
    assert.match(
      lines[1]!,
      /^default\s+Cert Chain\s+ACTIVE\s+true\s+6f6b9b5a1e5f3c9b\s+2036-01-01T00:00:00Z\s+2026-01-01T00:00:00Z$/,
    );
    assert.match(
      lines[2]!,
      /^ROOTCA\s+CA\s+ACTIVE\s+true\s+1a2b3c4d5\s+2036-01-01T00:00:00Z\s+2026-01-01T00:00:00Z$/,
    );
    assert.equal(lines.length, 3);
    const help = runMast(["proxy-config", "--help"]);
    assert.match(help.stdout, /listeners\|routes\|clusters\|endpoints\|secret\|bootstrap\|all/);
  });
});
