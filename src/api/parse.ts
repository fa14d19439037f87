// Turns text (multi-document YAML, JSON, `kind: List`) into identified objects with their
// origin. Hostile input (alias bombs, deep nesting, duplicate keys, binary data, huge files)
// yields a Diagnostic, never an exception or unbounded memory.

import {
  type Document,
  isMap,
  isScalar,
  LineCounter,
  parseAllDocuments,
  Scalar,
  visit,
} from "yaml";
import type { Diagnostic } from "./diagnostic.ts";
import { findKind, KINDS, type KindInfo, splitApiVersion } from "./kinds.ts";
import type { Origin } from "./resource.ts";

/** Largest input accepted in one file or stream. */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;
/** Deepest nesting of maps and lists; real config stays well under 64. */
export const MAX_DEPTH = 128;
/** Aliases per document; a handful is normal, a bomb needs many. */
const MAX_ALIASES = 100;

/** One parsed document: a plain object with apiVersion and kind. */
export interface RawObject {
  readonly body: Record<string, unknown>;
  readonly origin: Origin;
}

export interface ParseResult {
  readonly objects: RawObject[];
  readonly problems: Diagnostic[];
}

function problem(origin: Origin, message: string): Diagnostic {
  return { level: "error", path: "", message, origin };
}

export function parseText(text: string | Uint8Array, file?: string): ParseResult {
  const objects: RawObject[] = [];
  const problems: Diagnostic[] = [];
  const whole: Origin = { file, doc: 0 };
  const size = typeof text === "string" ? Buffer.byteLength(text) : text.byteLength;
  if (size > MAX_INPUT_BYTES) {
    problems.push(problem(whole, `input is ${size} bytes; the limit is ${MAX_INPUT_BYTES} bytes`));
    return { objects, problems };
  }
  const decoded = typeof text === "string" ? text : decodeText(text);
  if (decoded === undefined || decoded.includes("\u0000")) {
    problems.push(problem(whole, "input is not text (binary data or invalid UTF-8)"));
    return { objects, problems };
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(decoded, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const list = Array.isArray(docs) ? docs : [docs];
  let index = 0;
  for (const doc of list) {
    const doc_ = index++;
    const start = doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    const origin: Origin = { file, line: lines.linePos(start).line, doc: doc_ };
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const at = e.linePos?.[0];
      const where = at ? ` (line ${at.line}, column ${at.col})` : "";
      problems.push(problem(origin, `malformed YAML${where}: ${firstLine(e.message)}`));
      continue;
    }
    joinColonScalars(doc, decoded);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      problems.push(problem(origin, `malformed YAML: ${firstLine((err as Error).message)}`));
      continue;
    }
    if (value === null || value === undefined) continue; // empty document, e.g. trailing `---`
    if (tooDeep(value, MAX_DEPTH)) {
      problems.push(problem(origin, `document nests deeper than ${MAX_DEPTH} levels`));
      continue;
    }
    if (typeof value !== "object" || Array.isArray(value)) {
      problems.push(problem(origin, "document is not an object with apiVersion and kind"));
      continue;
    }
    const body = value as Record<string, unknown>;
    if (body.kind === "List" && Array.isArray(body.items)) {
      body.items.forEach((item, i) => {
        const itemOrigin: Origin = { ...origin, doc: doc_ };
        if (item && typeof item === "object" && !Array.isArray(item)) {
          objects.push({ body: item as Record<string, unknown>, origin: itemOrigin });
        } else {
          problems.push(problem(itemOrigin, `items[${i}] is not an object`));
        }
      });
      continue;
    }
    objects.push({ body, origin });
  }
  return { objects, problems };
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * In flow sequences, YAML 1.2 reads `[001:db8::]` as a one-pair map `{"001:db8:": null}`; Go's
 * YAML (and so Kubernetes and Istio) reads the plain scalar `001:db8::`. IPv6 addresses in
 * ServiceEntry `addresses` depend on it, so such items become the scalar Go sees.
 */
function joinColonScalars(doc: Document, text: string): void {
  visit(doc, {
    Seq(_, seq) {
      if (!seq.flow) return;
      seq.items = seq.items.map((item) => {
        if (!isMap(item) || item.items.length !== 1) return item;
        if (item.range && text[item.range[0]] === "{") return item;
        const { key, value } = item.items[0]!;
        const emptyValue = value == null || (isScalar(value) && value.source === "");
        if (!emptyValue || !isScalar(key) || key.type !== "PLAIN" || !key.range) return item;
        if (text[key.range[1]] !== ":") return item;
        return new Scalar(`${key.source}:`);
      });
    },
  });
}

/** True when `value` nests maps and lists deeper than `limit`; stops walking at the limit. */
function tooDeep(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit === 0) return true;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((c) => tooDeep(c, limit - 1));
}

/** Identification of a raw object: its kind, or why it has none. */
export type Identified =
  | {
      readonly ok: true;
      readonly kind: KindInfo;
      readonly name: string;
      readonly namespace?: string;
    }
  | { readonly ok: false; readonly diagnostic: Diagnostic };

export function identify(obj: RawObject): Identified {
  const { body, origin } = obj;
  const fail = (path: string, message: string): Identified => ({
    ok: false,
    diagnostic: { level: "error", path, message, origin },
  });
  const { apiVersion, kind } = body;
  if (typeof kind !== "string" || kind === "") return fail("kind", "kind is required");
  if (typeof apiVersion !== "string" || apiVersion === "")
    return fail("apiVersion", `${kind}: apiVersion is required`);
  const { group, version } = splitApiVersion(apiVersion);
  const info = findKind(group, kind);
  if (!info) {
    const sameName = KINDS.filter((k) => k.kind === kind);
    if (sameName.length > 0) {
      const groups = sameName.map((k) => `${k.group || "core"}/${k.versions[0]}`).join(", ");
      return fail("apiVersion", `${kind}: unknown API group "${group}"; expected ${groups}`);
    }
    return fail("kind", `unknown kind "${kind}" (apiVersion ${apiVersion})`);
  }
  if (!info.versions.includes(version)) {
    const served = info.versions.map((v) => (info.group ? `${info.group}/${v}` : v)).join(", ");
    return fail(
      "apiVersion",
      `${kind}: version "${apiVersion}" is not served; expected one of ${served}`,
    );
  }
  const meta = body.metadata;
  if (!meta || typeof meta !== "object" || Array.isArray(meta))
    return fail("metadata", `${kind}: metadata is required`);
  const { name, namespace } = meta as Record<string, unknown>;
  if (typeof name !== "string" || name === "")
    return fail("metadata.name", `${kind}: metadata.name is required`);
  if (namespace !== undefined && typeof namespace !== "string")
    return fail("metadata.namespace", `${kind} ${name}: metadata.namespace must be a string`);
  if (!info.namespaced && namespace) return { ok: true, kind: info, name, namespace: undefined };
  return { ok: true, kind: info, name, namespace: namespace || undefined };
}
