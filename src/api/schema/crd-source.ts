// Finds a kind's CustomResourceDefinition in the CRD bundle on disk and compiles the schema of
// one served version, lazily: only the YAML document of that CRD is parsed, on first use, so
// the CLI starts fast and a run touching two kinds never parses the other forty.

import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { KindInfo } from "../kinds.ts";
import { compileSchema, type Structural } from "./structural.ts";

/** The bundle files, in the order they are searched. */
export const CRD_FILES = [
  "crd-all.gen.yaml",
  "third-party/gateway-api-crd.yaml",
  "third-party/gateway-api-inference-extension-crd.yaml",
] as const;

export interface CrdVersion {
  readonly schema: Structural;
  /** The status subresource is on: the API server ignores `status` on create. */
  readonly statusSubresource: boolean;
}

export class CrdDirMissing extends Error {}

/** `MAST_CRD_DIR`, else `<repo>/../shared/istio-corpus/crds`. */
export function crdDir(): string {
  const fromEnv = process.env.MAST_CRD_DIR;
  if (fromEnv) return resolve(fromEnv);
  return fileURLToPath(new URL("../../../../shared/istio-corpus/crds", import.meta.url));
}

let documents: Map<string, string> | undefined; // CRD name (`plural.group`) → YAML text
let documentsDir: string | undefined;
const compiled = new Map<string, CrdVersion | null>();

function loadDocuments(dir: string): Map<string, string> {
  if (documents && documentsDir === dir) return documents;
  if (!existsSync(join(dir, CRD_FILES[0]))) {
    throw new CrdDirMissing(
      `CRD schemas not found in ${dir} (need ${CRD_FILES.join(", ")}); set MAST_CRD_DIR to the folder holding them`,
    );
  }
  const docs = new Map<string, string>();
  for (const file of CRD_FILES) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    for (const text of readFileSync(path, "utf8").split(/^---[ \t]*$/m)) {
      if (!/^kind: CustomResourceDefinition$/m.test(text)) continue;
      const name = /^ {2}name: ["']?([^\s"']+)/m.exec(text)?.[1];
      if (name) docs.set(name, text);
    }
  }
  documents = docs;
  documentsDir = dir;
  compiled.clear();
  return docs;
}

/**
 * The schema of `kind` at `version`, or null when the bundle has no CRD serving that version.
 * Throws CrdDirMissing when the bundle itself cannot be found.
 */
export function crdVersion(kind: KindInfo, version: string): CrdVersion | null {
  const dir = crdDir();
  const docs = loadDocuments(dir);
  const key = `${kind.id}/${version}`;
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  let result: CrdVersion | null = null;
  const text = docs.get(`${kind.plural}.${kind.group}`);
  const v = text ? versionEntry(text, version) : undefined;
  const raw = v?.schema?.openAPIV3Schema;
  if (v && raw) {
    result = {
      schema: compileSchema(raw),
      statusSubresource: Boolean(v.subresources && "status" in v.subresources),
    };
  }
  compiled.set(key, result);
  return result;
}

interface VersionEntry {
  name: string;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
  subresources?: Record<string, unknown>;
}

/**
 * One entry of `spec.versions`. Istio's CRDs repeat the whole schema for every version, so
 * only the wanted entry's text is parsed; the full document is the fallback for odd layouts.
 */
function versionEntry(text: string, version: string): VersionEntry | undefined {
  const start = text.search(/^ {2}versions:[ \t]*$/m);
  if (start >= 0) {
    for (const item of text
      .slice(start)
      .split(/^ {2}- /m)
      .slice(1)) {
      const end = item.search(/^ {0,2}[^\s-]/m); // the list ends at a less indented key
      const entry = `    ${end < 0 ? item : item.slice(0, end)}`;
      if (new RegExp(`^ {4}name: ["']?${version}["']?[ \t]*$`, "m").test(entry)) {
        let v: VersionEntry | null = null;
        try {
          v = parse(entry) as VersionEntry | null;
        } catch {
          break; // not the layout expected: parse the whole document below
        }
        if (v?.name === version) return v;
      }
    }
  }
  const crd = parse(text) as { spec?: { versions?: VersionEntry[] } };
  return crd.spec?.versions?.find((x) => x.name === version);
}
