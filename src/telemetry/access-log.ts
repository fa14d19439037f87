// Envoy's access log format strings (%START_TIME%, %REQ(X?Y):N%, %RESPONSE_FLAGS%…) compiled once
// into a function over a log entry. The default is Envoy's own default text format.

export const ENVOY_DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ' +
  "%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% " +
  '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ' +
  '"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

/** What one finished request or TCP connection reports to access loggers. */
export interface AccessLogEntry {
  startTime: Date;
  /** Request headers by lowercase name, pseudo-headers included (":method", ":path"…). */
  requestHeader(name: string): string | undefined;
  responseHeader?(name: string): string | undefined;
  responseTrailer?(name: string): string | undefined;
  protocol?: string;
  responseCode?: number;
  responseCodeDetails?: string;
  responseFlags: string;
  bytesReceived: number;
  bytesSent: number;
  durationMs: number;
  upstreamHost?: string;
  upstreamCluster?: string;
  upstreamLocalAddress?: string;
  upstreamTransportFailureReason?: string;
  downstreamLocalAddress?: string;
  downstreamRemoteAddress?: string;
  requestedServerName?: string;
  routeName?: string;
  connectionTerminationDetails?: string;
}

type Part = string | ((e: AccessLogEntry) => string);

const dash = (v: string | number | undefined): string =>
  v === undefined || v === "" ? "-" : String(v);

function truncate(v: string | undefined, max: number | undefined): string | undefined {
  return v !== undefined && max !== undefined ? v.slice(0, max) : v;
}

function headerOp(
  get: (e: AccessLogEntry, name: string) => string | undefined,
  spec: string,
  max: number | undefined,
): (e: AccessLogEntry) => string {
  const [main, alt] = spec.toLowerCase().split("?");
  return (e) => dash(truncate(get(e, main) ?? (alt ? get(e, alt) : undefined), max));
}

const SIMPLE: Record<string, (e: AccessLogEntry) => string> = {
  START_TIME: (e) => e.startTime.toISOString(),
  PROTOCOL: (e) => dash(e.protocol),
  RESPONSE_CODE: (e) => String(e.responseCode ?? 0),
  RESPONSE_CODE_DETAILS: (e) => dash(e.responseCodeDetails),
  RESPONSE_FLAGS: (e) => e.responseFlags,
  BYTES_RECEIVED: (e) => String(e.bytesReceived),
  BYTES_SENT: (e) => String(e.bytesSent),
  DURATION: (e) => String(Math.round(e.durationMs)),
  UPSTREAM_HOST: (e) => dash(e.upstreamHost),
  UPSTREAM_CLUSTER: (e) => dash(e.upstreamCluster),
  UPSTREAM_CLUSTER_RAW: (e) => dash(e.upstreamCluster),
  UPSTREAM_LOCAL_ADDRESS: (e) => dash(e.upstreamLocalAddress),
  UPSTREAM_TRANSPORT_FAILURE_REASON: (e) => dash(e.upstreamTransportFailureReason),
  DOWNSTREAM_LOCAL_ADDRESS: (e) => dash(e.downstreamLocalAddress),
  DOWNSTREAM_REMOTE_ADDRESS: (e) => dash(e.downstreamRemoteAddress),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (e) =>
    dash(e.downstreamRemoteAddress?.replace(/:\d+$/, "")),
  REQUESTED_SERVER_NAME: (e) => dash(e.requestedServerName),
  ROUTE_NAME: (e) => dash(e.routeName),
  CONNECTION_TERMINATION_DETAILS: (e) => dash(e.connectionTerminationDetails),
};

/** Compiles a format string; unknown operators are an error naming them. */
export function compileAccessLogFormat(format: string): (e: AccessLogEntry) => string {
  const parts: Part[] = [];
  const re = /%([A-Z_0-9]+)(?:\(([^)]*)\))?(?::(\d+))?%/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    if (m.index > last) parts.push(format.slice(last, m.index));
    last = re.lastIndex;
    const [, op, arg, len] = m;
    const max = len ? Number(len) : undefined;
    if (op === "REQ" && arg) parts.push(headerOp((e, n) => e.requestHeader(n), arg, max));
    else if (op === "RESP" && arg) parts.push(headerOp((e, n) => e.responseHeader?.(n), arg, max));
    else if (op === "TRAILER" && arg)
      parts.push(headerOp((e, n) => e.responseTrailer?.(n), arg, max));
    else if (SIMPLE[op]) parts.push(SIMPLE[op]);
    else throw new Error(`access log format: unsupported command operator %${op}%`);
  }
  if (last < format.length) parts.push(format.slice(last));
  return (e) => {
    let out = "";
    for (const p of parts) out += typeof p === "string" ? p : p(e);
    return out;
  };
}
