// What one `mast load` run does: target, protocol, rate, connections and how long. Parsing turns
// flag strings into a checked LoadOptions; every problem names the flag that caused it.

export type LoadProtocol = "http1" | "h2" | "grpc";

export interface LoadOptions {
  readonly url: URL;
  readonly protocol: LoadProtocol;
  /** Requests per second over all connections; 0 means as fast as possible (closed loop). */
  readonly qps: number;
  readonly connections: number;
  /** Concurrent streams per HTTP/2 connection (1 for HTTP/1.1). */
  readonly streams: number;
  /** Run length in seconds, used when `requests` is not set. */
  readonly durationSec: number;
  /** Exact number of requests to send; overrides the duration. */
  readonly requests?: number;
  /** HTTP/1.1 only: a new connection per request (`Connection: close`). */
  readonly keepAlive: boolean;
  /** Send one uncounted request per connection (or stream) before the measured run. */
  readonly warmup: boolean;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Request body bytes (HTTP), or gRPC message payload bytes. */
  readonly payloadSize: number;
  readonly timeoutMs: number;
  /** Percentiles to report, such as 50, 90, 99, 99.9. */
  readonly percentiles: readonly number[];
}

export interface RawLoadFlags {
  readonly qps?: string;
  readonly connections?: string;
  readonly streams?: string;
  readonly duration?: string;
  readonly requests?: string;
  readonly keepalive?: boolean;
  readonly warmup?: boolean;
  readonly h2?: boolean;
  readonly grpc?: boolean;
  readonly header?: readonly string[];
  readonly payloadSize?: string;
  readonly timeout?: string;
  readonly percentiles?: string;
}

export class LoadOptionError extends Error {}

export const DEFAULT_PERCENTILES: readonly number[] = [50, 90, 99, 99.9];
const GRPC_DEFAULT_PATH = "/mast.load.Echo/Echo";

export function parseLoadOptions(target: string, flags: RawLoadFlags): LoadOptions {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `http://${target}`);
  } catch {
    throw new LoadOptionError(`url: "${target}" is not a URL`);
  }
  if (url.protocol !== "http:") {
    throw new LoadOptionError(`url: scheme ${url.protocol} is not supported (use http://)`);
  }
  if (flags.h2 && flags.grpc) throw new LoadOptionError("--h2 and --grpc: choose one protocol");
  const protocol: LoadProtocol = flags.grpc ? "grpc" : flags.h2 ? "h2" : "http1";
  if (protocol === "grpc" && (url.pathname === "/" || url.pathname === "")) {
    url.pathname = GRPC_DEFAULT_PATH;
  }
  const keepAlive = flags.keepalive ?? true;
  if (!keepAlive && protocol !== "http1") {
    throw new LoadOptionError("--no-keepalive: only HTTP/1.1 supports a connection per request");
  }
  const requests = flags.requests === undefined ? undefined : int("-n", flags.requests, 1);
  const streams = int("-m/--streams", flags.streams ?? "1", 1);
  if (streams > 1 && protocol === "http1") {
    throw new LoadOptionError("-m/--streams: HTTP/1.1 has one request per connection at a time");
  }
  return {
    url,
    protocol,
    qps: num("-qps", flags.qps ?? "8", 0),
    connections: int("-c", flags.connections ?? "4", 1),
    streams,
    durationSec: parseDuration("-t", flags.duration ?? "5s"),
    requests,
    keepAlive,
    warmup: flags.warmup ?? true,
    headers: (flags.header ?? []).map(parseHeader),
    payloadSize: int("--payload-size", flags.payloadSize ?? "0", 0),
    timeoutMs: parseDuration("--timeout", flags.timeout ?? "10s") * 1000,
    percentiles: parsePercentiles(flags.percentiles),
  };
}

/** `5s`, `250ms`, `2m`, `1h`, or plain seconds. */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new LoadOptionError(`${flag}: "${text}" is not a duration (such as 5s, 500ms, 1m)`);
  const scale = { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] ?? "s"] ?? 1;
  const sec = Number(m[1]) * scale;
  if (sec <= 0) throw new LoadOptionError(`${flag}: must be more than zero`);
  return sec;
}

function parseHeader(text: string): readonly [string, string] {
  const i = text.indexOf(":");
  const name = i > 0 ? text.slice(0, i).trim().toLowerCase() : "";
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
    throw new LoadOptionError(`-H: "${text}" is not "Name: value"`);
  }
  const value = text.slice(i + 1).trim();
  if (/[\r\n\0]/.test(value))
    throw new LoadOptionError(`-H ${name}: value has a control character`);
  return [name, value];
}

function parsePercentiles(text: string | undefined): readonly number[] {
  if (text === undefined) return DEFAULT_PERCENTILES;
  return text.split(",").map((p) => {
    const v = Number(p.trim());
    if (!Number.isFinite(v) || v <= 0 || v > 100 || p.trim() === "") {
      throw new LoadOptionError(`-p: "${p}" is not a percentile in (0, 100]`);
    }
    return v;
  });
}

function num(flag: string, text: string, min: number): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v < min) {
    throw new LoadOptionError(`${flag}: "${text}" must be a number >= ${min}`);
  }
  return v;
}

function int(flag: string, text: string, min: number): number {
  const v = num(flag, text, min);
  if (!Number.isInteger(v)) throw new LoadOptionError(`${flag}: "${text}" must be a whole number`);
  return v;
}
