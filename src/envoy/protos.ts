// Loads Envoy's v3 API from the .proto files that @grpc/grpc-js-xds ships (the only npm package that
// carries data-plane-api). Everything v3 is loaded in one protobufjs Root, so any typed extension a
// control plane might pack into an Any can be decoded; an Any of a type not loaded would be silent.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);
const XDS_DEPS = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");

/** Include directories, in the order grpc-js-xds itself uses them. */
export const PROTO_INCLUDE_DIRS: readonly string[] = [
  "envoy-api",
  "xds",
  "googleapis",
  "protoc-gen-validate",
].map((d) => join(XDS_DEPS, d));

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

let cached: protobuf.Root | undefined;

/**
 * The Root holding every loadable Envoy v3 message (keepCase: field names as in the .proto files,
 * which is also the form Envoy's YAML uses). Loaded once per process (~0.4 s), on first use.
 */
export function envoyRoot(): protobuf.Root {
  if (cached) return cached;
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
  const files = listV3Files(join(PROTO_INCLUDE_DIRS[0], "envoy"), "envoy/", []);
  root.loadSync([...files, ...XDS_EXTRA], { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}

/** The message type with this full name (no leading dot), or a clear error. */
export function messageType(fullName: string): protobuf.Type {
  const t = envoyRoot().lookup(fullName);
  if (!(t instanceof protobuf.Type)) throw new Error(`unknown protobuf message type "${fullName}"`);
  return t;
}

/** The message type behind a type URL, or undefined when the URL names nothing loaded. */
export function typeForUrl(typeUrl: string): protobuf.Type | undefined {
  const name = typeUrl.slice(typeUrl.lastIndexOf("/") + 1);
  if (!name) return undefined;
  const t = envoyRoot().lookup(name);
  return t instanceof protobuf.Type ? t : undefined;
}
