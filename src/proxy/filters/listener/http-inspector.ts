// envoy.filters.listener.http_inspector: sniffs plaintext HTTP (Istio's protocol detection) and
// reports "h2c" for the HTTP/2 preface or "http/1.1"/"http/1.0" for a request line.

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

export function httpInspectorDone(buf: Buffer): boolean {
  const s = buf.toString("latin1");
  if (PREFACE.startsWith(s)) return false;
  if (s.startsWith(PREFACE.slice(0, 4))) return buf.length >= PREFACE.length;
  return (
    s.includes("\r\n") ||
    s.includes("\n") ||
    buf.length >= 8192 ||
    !/^[A-Z]*$/.test(s.split(" ")[0])
  );
}

export function inspectHttp(buf: Buffer): string | undefined {
  const s = buf.toString("latin1");
  if (s.startsWith(PREFACE)) return "h2c";
  const line = s.split(/\r?\n/)[0];
  const m = /^[A-Z]+ \S+ HTTP\/1\.([01])$/.exec(line);
  if (m) return m[1] === "1" ? "http/1.1" : "http/1.0";
  return undefined;
}
