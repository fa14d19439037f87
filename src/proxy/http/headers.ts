// An ordered, case-insensitive header list as both HTTP/1 and HTTP/2 sides need it: names are kept
// lowercase (HTTP/2's rule), repeats are kept apart, and hop-by-hop headers are known by name.

import type { HeaderValueOption } from "../config-types.ts";

/** Connection-specific headers a proxy never forwards (RFC 9110 §7.6.1, RFC 9113 §8.2.2). */
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "proxy-authenticate",
  "proxy-authorization",
]);

const LATIN1_TEXT = /^[\t\x20-\x7e\x80-\xff]*$/;
const CTL = /[^\t\x20-\x7e\x80-\uffff]/;

/**
 * A field value as HTTP/1 wire text, one char per byte (heads are written as Latin-1): text
 * beyond Latin-1 as its UTF-8 bytes (which never hold a CR or LF), undefined when a control
 * character would end or split the line.
 */
export function wireValue(v: string): string | undefined {
  if (LATIN1_TEXT.test(v)) return v;
  if (CTL.test(v)) return undefined;
  return Buffer.from(v, "utf8").toString("latin1");
}

export class HeaderMap {
  private readonly list: [string, string][] = [];

  static fromRaw(raw: readonly string[]): HeaderMap {
    const h = new HeaderMap();
    for (let i = 0; i + 1 < raw.length; i += 2) h.add(raw[i], raw[i + 1]);
    return h;
  }

  static fromObject(obj: Record<string, string | string[] | number | undefined>): HeaderMap {
    const h = new HeaderMap();
    for (const k in obj) {
      const v = obj[k];
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const e of v) h.add(k, e);
      else h.add(k, String(v));
    }
    return h;
  }

  add(name: string, value: string): void {
    this.list.push([name.toLowerCase(), value]);
  }

  /** add() for a name the caller already lowercased (codecs, on the hot path). */
  addLower(name: string, value: string): void {
    this.list.push([name, value]);
  }

  get(name: string): string | undefined {
    const n = name.toLowerCase();
    for (const [k, v] of this.list) if (k === n) return v;
    return undefined;
  }

  /** All values of a header, joined by "," as HTTP allows for list-valued fields. */
  joined(name: string): string | undefined {
    const vals = this.getAll(name);
    return vals.length ? vals.join(",") : undefined;
  }

  getAll(name: string): string[] {
    const n = name.toLowerCase();
    const out: string[] = [];
    for (const [k, v] of this.list) if (k === n) out.push(v);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  set(name: string, value: string): void {
    this.remove(name);
    this.add(name, value);
  }

  remove(name: string): void {
    const n = name.toLowerCase();
    for (let i = this.list.length - 1; i >= 0; i--)
      if (this.list[i][0] === n) this.list.splice(i, 1);
  }

  entries(): readonly [string, string][] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  /** Drops hop-by-hop headers and those the Connection header names, in one pass. */
  stripHopByHop(): void {
    const list = this.list;
    let named: Set<string> | undefined;
    for (const [k, v] of list) {
      if (k !== "connection") continue;
      named ??= new Set();
      for (const part of v.split(",")) {
        const n = part.trim().toLowerCase();
        if (n) named.add(n);
      }
    }
    let j = 0;
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (!HOP_BY_HOP.has(e[0]) && !named?.has(e[0])) list[j++] = e;
    }
    list.length = j;
  }

  /** A copy whose list can change independently (entries are never mutated in place). */
  clone(): HeaderMap {
    const h = new HeaderMap();
    for (const e of this.list) h.list.push(e);
    return h;
  }

  /** Object form for node:http / undici / http2 (repeats as arrays). */
  toObject(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of this.list) {
      const prev = out[k];
      if (prev === undefined) out[k] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else out[k] = [prev, v];
    }
    return out;
  }

  /** Flat [name, value, name, value…] form (undici, writeHead). */
  toFlat(): string[] {
    const out: string[] = [];
    for (const [k, v] of this.list) out.push(k, v);
    return out;
  }
}

/** Applies Envoy's request/response_headers_to_add and _to_remove. */
export function applyHeaderOps(
  h: HeaderMap,
  add: readonly HeaderValueOption[] | undefined,
  remove: readonly string[] | undefined,
  vars: (name: string) => string | undefined = () => undefined,
): void {
  for (const r of remove ?? []) h.remove(r);
  for (const opt of add ?? []) {
    const key = opt.header?.key;
    if (!key) continue;
    const value = expand(opt.header?.value ?? opt.header?.raw_value ?? "", vars);
    if (value === "" && !opt.keep_empty_value) continue;
    const action =
      opt.append_action ??
      (opt.append === false ? "OVERWRITE_IF_EXISTS_OR_ADD" : "APPEND_IF_EXISTS_OR_ADD");
    if (action === "OVERWRITE_IF_EXISTS_OR_ADD") h.set(key, value);
    else if (action === "ADD_IF_ABSENT") {
      if (!h.has(key)) h.add(key, value);
    } else if (action === "OVERWRITE_IF_EXISTS") {
      if (h.has(key)) h.set(key, value);
    } else h.add(key, value);
  }
}

// Header values may carry %VAR% formatters (%DOWNSTREAM_REMOTE_ADDRESS%, %UPSTREAM_METADATA…%).
function expand(value: string, vars: (name: string) => string | undefined): string {
  if (!value.includes("%")) return value;
  return value.replace(/%([A-Z_]+(?:\([^)]*\))?)%/g, (all, name: string) => vars(name) ?? all);
}
