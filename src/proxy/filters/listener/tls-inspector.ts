// envoy.filters.listener.tls_inspector: reads (without consuming) a TLS ClientHello and reports
// SNI and ALPN for filter chain matching; anything that is not a handshake is "raw_buffer".

export interface TlsInspection {
  readonly isTls: boolean;
  readonly serverName?: string;
  readonly alpn: string[];
}

/** Whether enough bytes have arrived to decide (a whole first record, or clearly not TLS). */
export function tlsInspectorDone(buf: Buffer): boolean {
  if (buf.length >= 1 && buf[0] !== 0x16) return true;
  if (buf.length < 5) return false;
  return buf.length >= 5 + buf.readUInt16BE(3) || buf.length >= 16_384;
}

export function inspectTls(buf: Buffer): TlsInspection {
  const none = { isTls: false, alpn: [] };
  if (buf.length < 6 || buf[0] !== 0x16 || buf[5] !== 0x01) return none;
  const out: { isTls: boolean; serverName?: string; alpn: string[] } = { isTls: true, alpn: [] };
  try {
    let p = 5 + 4 + 2 + 32; // record header, handshake header, client_version, random
    p += 1 + buf[p]; // session id
    p += 2 + buf.readUInt16BE(p); // cipher suites
    p += 1 + buf[p]; // compression methods
    if (p + 2 > buf.length) return out;
    const end = Math.min(buf.length, p + 2 + buf.readUInt16BE(p));
    p += 2;
    while (p + 4 <= end) {
      const type = buf.readUInt16BE(p);
      const len = buf.readUInt16BE(p + 2);
      const d = p + 4;
      if (type === 0 && d + 5 <= end) {
        const nameLen = buf.readUInt16BE(d + 3);
        if (buf[d + 2] === 0)
          out.serverName = buf.toString("latin1", d + 5, d + 5 + nameLen).toLowerCase();
      } else if (type === 16 && d + 2 <= end) {
        let q = d + 2;
        const listEnd = d + 2 + buf.readUInt16BE(d);
        while (q < listEnd && q < end) {
          const l = buf[q];
          out.alpn.push(buf.toString("latin1", q + 1, q + 1 + l));
          q += 1 + l;
        }
      }
      p = d + len;
    }
  } catch {
    // a truncated hello: what was parsed so far stands
  }
  return out;
}
