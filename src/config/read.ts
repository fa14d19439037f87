// Reads config from files, directories (recursively: *.yaml, *.yml, *.json) and stdin (`-`).
// Unreadable or oversized inputs become diagnostics, like malformed ones.

import { readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import type { Diagnostic } from "../api/diagnostic.ts";
import { MAX_INPUT_BYTES, type ParseResult, parseText, type RawObject } from "../api/parse.ts";

const CONFIG_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

export function readInputs(paths: readonly string[]): ParseResult {
  const objects: RawObject[] = [];
  const problems: Diagnostic[] = [];
  for (const path of paths) {
    for (const file of expand(path, problems)) {
      const text = readBounded(file, problems);
      if (text === undefined) continue;
      const parsed = parseText(text, file === 0 ? "stdin" : file);
      objects.push(...parsed.objects);
      problems.push(...parsed.problems);
    }
  }
  return { objects, problems };
}

/** Files named by one argument: itself, the config files under a directory, or stdin (fd 0). */
export function expand(path: string, problems: Diagnostic[]): (string | 0)[] {
  if (path === "-") return [0];
  try {
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && CONFIG_EXTENSIONS.has(extname(e.name)))
      .map((e) => join(e.parentPath, e.name))
      .sort();
  } catch (err) {
    problems.push(fileProblem(path, err));
    return [];
  }
}

/** A file's bytes, or undefined (and a problem) when it is unreadable or over the size limit. */
export function readBounded(file: string | 0, problems: Diagnostic[]): Buffer | undefined {
  const name = file === 0 ? "stdin" : file;
  try {
    if (file !== 0 && statSync(file).size > MAX_INPUT_BYTES) {
      const message = `file is larger than the limit of ${MAX_INPUT_BYTES} bytes`;
      problems.push({ level: "error", path: "", message, origin: { file: name, doc: 0 } });
      return undefined;
    }
    return file === 0 ? readStdin() : readFileSync(file);
  } catch (err) {
    problems.push(fileProblem(name, err));
    return undefined;
  }
}

/** Reads stdin up to one byte past the limit, so an endless stream cannot exhaust memory. */
function readStdin(): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.alloc(64 * 1024);
  while (total <= MAX_INPUT_BYTES) {
    let n: number;
    try {
      n = readSync(0, chunk, 0, chunk.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EAGAIN") continue;
      if ((err as NodeJS.ErrnoException).code === "EOF") break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, n)));
    total += n;
  }
  return Buffer.concat(chunks);
}

function fileProblem(file: string, err: unknown): Diagnostic {
  const code = (err as NodeJS.ErrnoException).code;
  const message = code === "ENOENT" ? "no such file or directory" : (err as Error).message;
  return { level: "error", path: "", message, origin: { file, doc: 0 } };
}
