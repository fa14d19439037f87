// Points analysis messages at the line of the field at fault (`x.yaml:12`), as istioctl does,
// by re-reading the YAML a resource came from. This is edge work (file I/O), kept out of the
// analyzers; messages without a field, or from stdin, keep their document's line.

import { readFileSync } from "node:fs";
import { isCollection, isNode, LineCounter, type Node, parseAllDocuments } from "yaml";
import { MAX_INPUT_BYTES } from "../api/parse.ts";
import type { AnalysisMessage, FieldPath } from "./analyzer.ts";

interface ParsedFile {
  readonly docs: ReturnType<typeof parseAllDocuments>;
  readonly lines: LineCounter;
}

export function withFieldLines(messages: readonly AnalysisMessage[]): AnalysisMessage[] {
  const files = new Map<string, ParsedFile | undefined>();
  return messages.map((m) => {
    const file = m.location?.file;
    if (!m.field || !file || file === "stdin") return m;
    if (!files.has(file)) files.set(file, parseFile(file));
    const parsed = files.get(file);
    const line = parsed && fieldLine(parsed, m.location?.doc ?? 0, m.field);
    return line ? { ...m, reference: `${file}:${line}` } : m;
  });
}

function parseFile(file: string): ParsedFile | undefined {
  try {
    const text = readFileSync(file, "utf8");
    if (Buffer.byteLength(text) > MAX_INPUT_BYTES) return undefined;
    const lines = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false });
    return Array.isArray(docs) ? { docs, lines } : undefined;
  } catch {
    return undefined;
  }
}

/** Line of the deepest node along `path` that exists in document `doc`. */
function fieldLine(parsed: ParsedFile, doc: number, path: FieldPath): number | undefined {
  const d = parsed.docs[doc];
  let node: unknown = d?.contents;
  let found: Node | undefined;
  for (const key of path) {
    if (!isCollection(node)) break;
    const next = node.get(key, true);
    if (!isNode(next)) {
      // A map key without a value node (e.g. `key:`): use the key's own position.
      const items: readonly unknown[] = node.items;
      const pair = items.find((p): p is { key: Node } => isPair(p, key));
      if (pair && isNode(pair.key)) found = pair.key;
      break;
    }
    found = next;
    node = next;
  }
  const start = found?.range?.[0];
  return start === undefined ? undefined : parsed.lines.linePos(start).line;
}

function isPair(p: unknown, key: string | number): p is { key: Node } {
  const k = (p as { key?: { value?: unknown } } | undefined)?.key;
  return k !== undefined && k !== null && (k.value === key || String(k.value) === String(key));
}
