// The small HTTP plumbing the Bookinfo services share: listen on $HOST:$PORT (default
// 0.0.0.0:9080), JSON responses, and the headers Istio's Bookinfo forwards for tracing and routing.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => unknown;

/** Headers every Bookinfo service copies from its request to the calls it makes. */
export const FORWARDED_HEADERS = [
  "x-request-id",
  "traceparent",
  "tracestate",
  "x-b3-traceid",
  "x-b3-spanid",
  "x-b3-parentspanid",
  "x-b3-sampled",
  "x-b3-flags",
  "b3",
  "x-ot-span-context",
  "x-datadog-trace-id",
  "x-datadog-parent-id",
  "x-datadog-sampling-priority",
  "sw8",
  "x-cloud-trace-context",
  "grpc-trace-bin",
  "end-user",
  "user-agent",
  "cookie",
];

export function forwardHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of FORWARDED_HEADERS) {
    const v = req.headers[h];
    if (typeof v === "string") out[h] = v;
  }
  return out;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export function serve(name: string, handler: Handler): void {
  const port = Number(process.env.PORT ?? 9080);
  const host = process.env.HOST ?? "0.0.0.0";
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      else res.destroy();
    });
  });
  server.listen(port, host, () => {
    const addr = server.address();
    const bound = typeof addr === "object" && addr ? `${addr.address}:${addr.port}` : String(addr);
    process.stdout.write(`${name} listening on ${bound}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/** GET a JSON document from another service with a timeout; undefined on any failure. */
export async function getJson(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    return { status: res.status, body: parseJson(text) };
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
