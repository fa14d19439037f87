// Reads an Envoy v3 bootstrap (YAML or JSON) and normalizes it through the protos, so static
// resources have exactly the shape ADS-delivered ones have. Errors name the file and field path.

import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { normalizeMessage } from "../envoy/index.ts";
import type { Bootstrap } from "./config-types.ts";

export function parseBootstrap(text: string, source: string): Bootstrap {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100, uniqueKeys: true, prettyErrors: true });
  } catch (e) {
    throw new Error(`${source}: not valid YAML/JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`${source}: a bootstrap must be an object`);
  }
  try {
    return normalizeMessage("envoy.config.bootstrap.v3.Bootstrap", raw) as Bootstrap;
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
}

export function readBootstrap(file: string): Bootstrap {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read bootstrap ${file}: ${(e as Error).message}`);
  }
  return parseBootstrap(text, file);
}
