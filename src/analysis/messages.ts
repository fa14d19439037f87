// The diagnostic message catalogue (IST codes, levels, templates), read at run time from Istio's
// messages.yaml in the shared corpus, and Go-style formatting of its templates.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export type MessageLevel = "Error" | "Warning" | "Info";

export interface MessageType {
  /** Type name, e.g. `ReferencedResourceNotFound`. */
  readonly name: string;
  readonly code: string;
  readonly level: MessageLevel;
  readonly description: string;
  readonly template: string;
}

const LEVEL_RANK: Record<MessageLevel, number> = { Info: 0, Warning: 1, Error: 2 };

export function levelRank(level: MessageLevel): number {
  return LEVEL_RANK[level];
}

export function parseLevel(text: string): MessageLevel | undefined {
  const lower = text.toLowerCase();
  return (["Info", "Warning", "Error"] as const).find((l) => l.toLowerCase() === lower);
}

/**
 * Finds the shared Istio corpus: `$MAST_SHARED/istio-corpus`, else the nearest
 * `shared/istio-corpus` above this module (the repository lives beside `shared/`, possibly in a
 * nested worktree).
 */
export function istioCorpusDir(): string {
  const env = process.env.MAST_SHARED;
  if (env) return join(env, "istio-corpus");
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "shared", "istio-corpus");
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find shared/istio-corpus; set MAST_ISTIO_CORPUS");
    dir = up;
  }
}

export class MessageCatalogue {
  readonly types: readonly MessageType[];
  readonly #byName: Map<string, MessageType>;
  constructor(types: readonly MessageType[]) {
    this.types = types;
    this.#byName = new Map(types.map((t) => [t.name, t]));
  }
  get(name: string): MessageType {
    const t = this.#byName.get(name);
    if (!t) throw new Error(`unknown analysis message type ${name}`);
    return t;
  }
}

export function parseCatalogue(text: string): MessageCatalogue {
  const doc = parse(text) as { messages?: unknown };
  if (!Array.isArray(doc?.messages)) throw new Error("messages.yaml: no messages list");
  const types = doc.messages.map((m: Record<string, unknown>, i: number): MessageType => {
    const level = parseLevel(String(m.level ?? ""));
    if (typeof m.name !== "string" || typeof m.code !== "string" || !level)
      throw new Error(`messages.yaml: messages[${i}] lacks name, code or level`);
    return {
      name: m.name,
      code: m.code,
      level,
      description: String(m.description ?? ""),
      template: String(m.template ?? ""),
    };
  });
  return new MessageCatalogue(types);
}

let loaded: MessageCatalogue | undefined;

export function catalogue(): MessageCatalogue {
  loaded ??= parseCatalogue(
    readFileSync(join(istioCorpusDir(), "diagnostics", "messages.yaml"), "utf8"),
  );
  return loaded;
}

/** Formats a Go fmt template with the verbs Istio's messages use (%s %v %q %d %%). */
export function formatTemplate(template: string, args: readonly unknown[]): string {
  let i = 0;
  return template.replace(/%([svqd%])/g, (_, verb: string) => {
    if (verb === "%") return "%";
    const arg = args[i++];
    return verb === "q" ? quote(arg) : goValue(arg);
  });
}

function quote(v: unknown): string {
  return Array.isArray(v) ? `[${v.map(quote).join(" ")}]` : JSON.stringify(goValue(v));
}

function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  if (v === undefined || v === null) return "<nil>";
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `map[${entries.map(([k, x]) => `${k}:${goValue(x)}`).join(" ")}]`;
  }
  return String(v);
}
