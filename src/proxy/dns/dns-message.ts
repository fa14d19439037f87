// The parts of the DNS wire format (RFC 1035) the sidecar's DNS proxy needs: read the question of
// a query, and build an answer with A/AAAA records or an error code for it. Anything else is
// forwarded upstream as it came, so EDNS, DNSSEC and other types need no support here.

import net from "node:net";

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
const CLASS_IN = 1;
export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_NXDOMAIN = 3;

export interface Question {
  readonly id: number;
  /** Lower case, without the trailing dot. */
  readonly name: string;
  readonly type: number;
  readonly class: number;
  /** Bytes of the header and question section (what an answer echoes). */
  readonly end: number;
}

/** The first question of a query, or undefined when the message is not a well-formed query. */
export function parseQuery(msg: Buffer): Question | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000 || msg.readUInt16BE(4) !== 1) return undefined; // a response, or not 1 question
  const labels: string[] = [];
  let i = 12;
  for (;;) {
    if (i >= msg.length) return undefined;
    const len = msg[i]!;
    if (len === 0) break;
    if (len > 63 || i + 1 + len > msg.length) return undefined; // no compression in questions
    labels.push(msg.toString("latin1", i + 1, i + 1 + len));
    i += 1 + len;
  }
  if (i + 5 > msg.length) return undefined;
  return {
    id: msg.readUInt16BE(0),
    name: labels.join(".").toLowerCase(),
    type: msg.readUInt16BE(i + 1),
    class: msg.readUInt16BE(i + 3),
    end: i + 5,
  };
}

/**
 * An authoritative answer to `query`: the records of the question's type among `ips` (an empty
 * NOERROR answer when the name has none of that family), or `rcode` with no records.
 */
export function buildAnswer(
  query: Buffer,
  q: Question,
  ips: readonly string[],
  rcode = RCODE_NOERROR,
  ttl = 30,
): Buffer {
  const want = q.type === TYPE_AAAA ? 6 : q.type === TYPE_A ? 4 : 0;
  const records =
    rcode === RCODE_NOERROR && q.class === CLASS_IN
      ? ips.filter((ip) => net.isIP(ip) === want)
      : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  const rd = query.readUInt16BE(2) & 0x0100;
  header.writeUInt16BE(0x8000 | 0x0400 | rd | 0x0080 | rcode, 2); // QR, AA, RD as asked, RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const parts = [header, query.subarray(12, q.end)];
  for (const ip of records) {
    const rdata = want === 4 ? Buffer.from(ip.split(".").map(Number)) : ipv6Bytes(ip);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(q.type, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(rdata.length, 10);
    parts.push(rr, rdata);
  }
  return Buffer.concat(parts);
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}

/** A minimal query for `name` (tests and health checks). */
export function buildQuery(id: number, name: string, type: number): Buffer {
  const labels = name.split(".").filter(Boolean);
  const parts = [Buffer.alloc(12)];
  parts[0]!.writeUInt16BE(id, 0);
  parts[0]!.writeUInt16BE(0x0100, 2); // RD
  parts[0]!.writeUInt16BE(1, 4);
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, "latin1"));
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(CLASS_IN, 3);
  parts.push(tail);
  return Buffer.concat(parts);
}
