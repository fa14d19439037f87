// Envoy's StringMatcher and safe_regex with RE2 semantics (re2js: linear time, no backtracking),
// compiled once per config. A bad regex is a config error, never a runtime one.

import { RE2JS } from "re2js";
import type { StringMatcher } from "../config-types.ts";

export type Matcher = (value: string) => boolean;

/** A full-match RE2 regex; throws with the pattern when it does not compile. */
export function compileRegex(pattern: string, path: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    throw new Error(
      `${path}: invalid RE2 regex ${JSON.stringify(pattern)}: ${(e as Error).message}`,
    );
  }
}

export function compileStringMatcher(m: StringMatcher, path: string): Matcher {
  const ic = m.ignore_case === true;
  const norm = (s: string) => (ic ? s.toLowerCase() : s);
  if (m.exact !== undefined) {
    const want = norm(m.exact);
    return (v) => norm(v) === want;
  }
  if (m.prefix !== undefined) {
    const want = norm(m.prefix);
    return (v) => norm(v).startsWith(want);
  }
  if (m.suffix !== undefined) {
    const want = norm(m.suffix);
    return (v) => norm(v).endsWith(want);
  }
  if (m.contains !== undefined) {
    const want = norm(m.contains);
    return (v) => norm(v).includes(want);
  }
  if (m.safe_regex?.regex !== undefined) {
    const re = compileRegex(m.safe_regex.regex, `${path}.safe_regex.regex`);
    return (v) => re.matches(v);
  }
  throw new Error(`${path}: a string matcher needs exact, prefix, suffix, contains or safe_regex`);
}
