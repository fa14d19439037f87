// Analysis of config files, as `istioctl analyze <files>` does it offline: read and parse the
// inputs, build a snapshot with mesh config and default resources, run the chosen analyzers.

import { readFileSync } from "node:fs";
import type { Diagnostic } from "../api/diagnostic.ts";
import type { RawObject } from "../api/parse.ts";
import { readInputs } from "../config/read.ts";
import type { AnalysisMessage, Analyzer } from "./analyzer.ts";
import { withFieldLines } from "./field-lines.ts";
import { parseMeshConfig, parseMeshNetworks } from "./mesh.ts";
import { analyze } from "./run.ts";
import { buildSnapshot } from "./snapshot.ts";

export interface FileAnalysisOptions {
  readonly meshConfigFile?: string;
  readonly meshNetworksFile?: string;
  /** Namespace for namespaced resources written without one (istioctl's `-n`). */
  readonly namespace?: string;
  readonly analyzers?: readonly Analyzer[];
  /**
   * Multi-cluster analysis: more clusters, each a list of files or directories. The main inputs
   * then form the first of the clusters, `cluster1`.
   */
  readonly clusters?: readonly { readonly id: string; readonly inputs: readonly string[] }[];
  /**
   * The running mesh's objects (`istioctl analyze` against a cluster): analyzed together with
   * the inputs, which replace live objects of the same identity.
   */
  readonly live?: readonly RawObject[];
  /** Clock for certificate expiry checks; defaults to the current time. */
  readonly now?: number;
}

export interface FileAnalysis {
  readonly messages: AnalysisMessage[];
  /** Inputs that could not be read, parsed or identified; reported, not fatal. */
  readonly problems: Diagnostic[];
}

export function analyzeFiles(
  inputs: readonly string[],
  opts: FileAnalysisOptions = {},
): FileAnalysis {
  const { objects, problems } = readInputs(inputs);
  const parsedMesh = opts.meshConfigFile
    ? readMeshFile("--mesh-config", opts.meshConfigFile, parseMeshConfig)
    : undefined;
  const meshConfig = parsedMesh?.config;
  for (const w of parsedMesh?.warnings ?? []) {
    problems.push({
      level: "warning",
      path: "",
      message: w,
      origin: { file: opts.meshConfigFile, doc: 0 },
    });
  }
  const meshNetworks = opts.meshNetworksFile
    ? readMeshFile("--mesh-networks", opts.meshNetworksFile, parseMeshNetworks)
    : undefined;
  const clusters = (opts.clusters ?? []).map((c) => {
    const read = readInputs(c.inputs);
    problems.push(...read.problems);
    return { id: c.id, objects: read.objects };
  });
  const multi = clusters.length > 0;
  const main = [...(opts.live ?? []), ...objects];
  const loaded = buildSnapshot(multi ? [] : main, {
    clusters: multi ? [{ id: "cluster1", objects: main }, ...clusters] : undefined,
    meshConfig,
    meshNetworks,
    // As istioctl: the stand-in ingress gateway is for offline analysis; a live mesh has its own.
    defaultResources: opts.live === undefined,
    defaultNamespace: opts.namespace,
    now: opts.now ?? Date.now(),
  });
  return {
    messages: withFieldLines(analyze(loaded.snapshot, opts.analyzers)),
    problems: [...problems, ...loaded.problems],
  };
}

/** A mesh config or mesh networks file that cannot be used; analysis cannot start without it. */
export class MeshFileError extends Error {}

function readMeshFile<T>(flag: string, file: string, parse: (text: string) => T): T {
  try {
    return parse(readFileSync(file, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : (err as Error).message.split("\n")[0];
    throw new MeshFileError(`${flag} ${file}: ${why}`);
  }
}
