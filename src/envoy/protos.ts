// Loads Envoy's v3 API from the .proto files that @grpc/grpc-js-xds ships (the only npm package that
// carries data-plane-api). Types load on demand, one defining file (and its imports) at a time, so
// a proxy pays for the few dozen it uses; envoyRoot() still loads every v3 file when asked.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);
const XDS_DEPS = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");

/** Include directories, in the order grpc-js-xds itself uses them. */
export const PROTO_INCLUDE_DIRS: readonly string[] = [
  "envoy-api",
  "xds",
  "googleapis",
  "protoc-gen-validate",
]
  .map((d) => join(XDS_DEPS, d))
  // Istio's own xDS types (NameTable), which no npm package ships
  .concat(fileURLToPath(new URL("./proto", import.meta.url)));

// v3 files that import protos not shipped in the package (OpenCensus, OpenTelemetry, Prometheus).
const UNLOADABLE = new Set([
  "envoy/config/trace/v3/opencensus.proto",
  "envoy/config/trace/v3/trace.proto",
  "envoy/service/trace/v3/trace_service.proto",
  "envoy/extensions/access_loggers/open_telemetry/v3/logs_service.proto",
  "envoy/service/metrics/v3/metrics_service.proto",
]);

// cncf/xds files loaded on top of everything Envoy imports itself (TypedStruct, matchers).
const XDS_EXTRA = [
  "xds/type/v3/typed_struct.proto",
  "udpa/type/v1/typed_struct.proto",
  "xds/type/matcher/v3/matcher.proto",
  "google/rpc/status.proto",
  "istio/networking/nds/v1/nds.proto",
];

function listV3Files(dir: string, rel: string, out: string[]): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listV3Files(p, `${rel}${e.name}/`, out);
    else if (e.name.endsWith(".proto") && /\/v3\//.test(rel) && !UNLOADABLE.has(rel + e.name)) {
      out.push(rel + e.name);
    }
  }
  return out;
}

// google.protobuf types that Any, JSON mapping and most Envoy files rely on (protobufjs has them).
const WELL_KNOWN = [
  "any",
  "duration",
  "struct",
  "timestamp",
  "wrappers",
  "empty",
  "field_mask",
].map((n) => `google/protobuf/${n}.proto`);

let cached: protobuf.Root | undefined;
let lazy: protobuf.Root | undefined;
let index: Map<string, string> | undefined;
let complete = false;

function newRoot(): protobuf.Root {
  const descriptor = JSON.parse(
    readFileSync(require.resolve("protobufjs/google/protobuf/descriptor.json"), "utf8"),
  );
  protobuf.common("google/protobuf/descriptor.proto", descriptor);
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const d of PROTO_INCLUDE_DIRS) {
      const p = join(d, target);
      if (existsSync(p)) return p;
    }
    return target;
  };
  return root;
}

function allFiles(): string[] {
  return [...listV3Files(join(PROTO_INCLUDE_DIRS[0], "envoy"), "envoy/", []), ...XDS_EXTRA];
}

/**
 * The Root holding every loadable Envoy v3 message (keepCase: field names as in the .proto files,
 * which is also the form Envoy's YAML uses). Loaded once per process (~0.4 s), on first use.
 */
export function envoyRoot(): protobuf.Root {
  if (cached) return cached;
  const root = newRoot();
  root.loadSync(allFiles(), { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}

/** Top-level message and enum names of every loadable file, read with a scan instead of a parse. */
function typeIndex(): Map<string, string> {
  if (index) return index;
  index = new Map();
  for (const rel of allFiles()) {
    let text: string;
    try {
      const dir = PROTO_INCLUDE_DIRS.find((d) => existsSync(join(d, rel)));
      if (!dir) continue;
      text = readFileSync(join(dir, rel), "utf8");
    } catch {
      continue;
    }
    const pkg = /^package\s+([\w.]+)\s*;/m.exec(text)?.[1];
    if (!pkg) continue;
    for (const m of text.matchAll(/^(?:message|enum)\s+(\w+)/gm)) index.set(`${pkg}.${m[1]}`, rel);
  }
  return index;
}

/**
 * Finds a type, loading only the .proto file that defines it (and its imports) on first use: the
 * proxy needs a few dozen of Envoy's hundreds of files, and the full set costs ~150 MB of heap
 * that every major GC then walks. Names the scan cannot place fall back to loading everything.
 */
function lookupType(fullName: string): protobuf.Type | undefined {
  if (cached) {
    const t = cached.lookup(fullName);
    return t instanceof protobuf.Type ? t : undefined;
  }
  if (!lazy) {
    lazy = newRoot();
    lazy.loadSync(WELL_KNOWN, { keepCase: true });
  }
  const found = lazy.lookup(fullName);
  if (found instanceof protobuf.Type) return found;
  const parts = fullName.split(".");
  for (let n = parts.length; n > 1; n--) {
    const file = typeIndex().get(parts.slice(0, n).join("."));
    if (!file) continue;
    lazy.loadSync(file, { keepCase: true });
    lazy.resolveAll();
    const t = lazy.lookup(fullName);
    return t instanceof protobuf.Type ? t : undefined;
  }
  if (complete) return undefined;
  complete = true;
  lazy.loadSync(allFiles(), { keepCase: true });
  lazy.resolveAll();
  const t = lazy.lookup(fullName);
  return t instanceof protobuf.Type ? t : undefined;
}

/** The message type with this full name (no leading dot), or a clear error. */
export function messageType(fullName: string): protobuf.Type {
  const t = lookupType(fullName);
  if (!t) throw new Error(`unknown protobuf message type "${fullName}"`);
  return t;
}

/** The message type behind a type URL, or undefined when the URL names nothing loaded. */
export function typeForUrl(typeUrl: string): protobuf.Type | undefined {
  const name = typeUrl.slice(typeUrl.lastIndexOf("/") + 1);
  if (!name) return undefined;
  return lookupType(name);
}
