// Workload certificates for captured sidecars, as istio-agent would fetch them from istiod's CA:
// a mesh root made per `mast up` and, per workload, a day-long certificate for its SPIFFE ID
// (spiffe://cluster.local/ns/<ns>/sa/<sa>), made with openssl. They go into the bootstrap as the
// static secrets `default` and `ROOTCA` that Istio's generated TLS contexts name.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface WorkloadCert {
  readonly certificateChain: string;
  readonly privateKey: string;
  readonly rootCert: string;
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-noenc"];

function openssl(args: readonly string[]): void {
  try {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args[0]}: ${(err.stderr?.toString() || err.message).trim()}`);
  }
}

/** A mesh CA in a private temp dir; `close()` deletes its key. */
export class MeshCa {
  private readonly dir = mkdtempSync(join(tmpdir(), "mast-ca-"));
  private readonly rootPem: string;

  constructor(trustDomain = "cluster.local") {
    openssl([
      "req",
      "-x509",
      ...EC_KEY,
      "-keyout",
      join(this.dir, "ca.key"),
      "-out",
      join(this.dir, "ca.pem"),
      "-days",
      "365",
      "-subj",
      `/O=${trustDomain}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    this.rootPem = readFileSync(join(this.dir, "ca.pem"), "utf8");
  }

  issue(spiffeId: string): WorkloadCert {
    const key = join(this.dir, "workload.key");
    const pem = join(this.dir, "workload.pem");
    openssl([
      "req",
      "-x509",
      "-CA",
      join(this.dir, "ca.pem"),
      "-CAkey",
      join(this.dir, "ca.key"),
      ...EC_KEY,
      "-keyout",
      key,
      "-out",
      pem,
      "-days",
      "1",
      "-subj",
      "/",
      "-addext",
      `subjectAltName=critical,URI:${spiffeId}`,
      "-addext",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "-addext",
      "extendedKeyUsage=serverAuth,clientAuth",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
    ]);
    return {
      certificateChain: readFileSync(pem, "utf8"),
      privateKey: readFileSync(key, "utf8"),
      rootCert: this.rootPem,
    };
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Envoy static secrets under the names Istio's SDS configs use. */
export function istioSecrets(c: WorkloadCert): object[] {
  return [
    {
      name: "default",
      tls_certificate: {
        certificate_chain: { inline_string: c.certificateChain },
        private_key: { inline_string: c.privateKey },
      },
    },
    { name: "ROOTCA", validation_context: { trusted_ca: { inline_string: c.rootCert } } },
  ];
}
