// The CEL environment Kubernetes gives `x-kubernetes-validations` rules, on top of
// @marcbachmann/cel-js: RE2 `matches`, the URL, IP and format libraries the CRDs call, and
// cel-go's wording for runtime errors so messages match the API server's.

import { createRequire } from "node:module";
import { isIP as nodeIsIP } from "node:net";
import type { Environment } from "@marcbachmann/cel-js";
import { RE2JS } from "re2js";
import { type GoUrl, hostname, parseRequestUri, port } from "./go-url.ts";

class FormatLibrary {}

class KubeFormat {
  readonly check: (s: string) => string[];
  constructor(check: (s: string) => string[]) {
    this.check = check;
  }
}

class KubeUrl {
  readonly url: GoUrl;
  constructor(url: GoUrl) {
    this.url = url;
  }
}

const regexCache = new Map<string, RE2JS>();

/** CEL `matches` is RE2 with partial-match semantics (`(?i)` and friends included). */
export function re2Find(s: string, pattern: string): boolean {
  let re = regexCache.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    regexCache.set(pattern, re);
  }
  return re.test(s);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function formatCheck(re: RegExp, max: number, what: string): (s: string) => string[] {
  return (s) => {
    const errs: string[] = [];
    if (s.length > max) errs.push(`must be no more than ${max} characters`);
    if (!re.test(s)) errs.push(what);
    return errs;
  };
}

const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label: formatCheck(
    DNS1123_LABEL,
    63,
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
  ),
  dns1123Subdomain: formatCheck(
    DNS1123_SUBDOMAIN,
    253,
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
  ),
  dns1035Label: formatCheck(
    DNS1035_LABEL,
    63,
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
  ),
};

function isIpAddress(s: string): boolean {
  return !s.includes("%") && nodeIsIP(s) !== 0;
}

function toUrl(s: string): KubeUrl {
  try {
    return new KubeUrl(parseRequestUri(s));
  } catch (err) {
    throw new Error(`URL parse error during conversion from string: ${(err as Error).message}`);
  }
}

function isUrl(s: string): boolean {
  try {
    parseRequestUri(s);
    return true;
  } catch {
    return false;
  }
}

/** cel-js is loaded on first use (require of ESM is synchronous) so CLI start-up stays fast. */
function loadCel(): typeof import("@marcbachmann/cel-js") {
  return createRequire(import.meta.url)("@marcbachmann/cel-js");
}

function build(): Environment {
  const { Environment } = loadCel();
  const env = new Environment({
    unlistedVariablesAreDyn: true,
    homogeneousAggregateLiterals: false,
  });
  env.registerType("kubernetes.FormatLibrary", FormatLibrary);
  env.registerType("kubernetes.Format", KubeFormat);
  env.registerType("kubernetes.URL", KubeUrl);
  env.registerConstant("format", "kubernetes.FormatLibrary", new FormatLibrary());
  for (const [name, check] of Object.entries(FORMATS)) {
    const format = new KubeFormat(check);
    env.registerFunction(`kubernetes.FormatLibrary.${name}(): kubernetes.Format`, () => format);
  }
  // validate() is optional<list<string>> in Kubernetes; rules compare it with null.
  env.registerFunction("kubernetes.Format.validate(string): dyn", (f: KubeFormat, s: string) => {
    const errs = f.check(s);
    return errs.length === 0 ? null : errs;
  });
  env.registerOperator("list == null", () => false);
  env.registerFunction("string.re2Matches(string): bool", re2Find);
  env.registerFunction("k8sHasField(dyn, string): bool", hasField);
  env.registerFunction("isURL(string): bool", isUrl);
  env.registerFunction("url(string): kubernetes.URL", toUrl);
  env.registerFunction("kubernetes.URL.getScheme(): string", (u: KubeUrl) => u.url.scheme);
  env.registerFunction("kubernetes.URL.getHost(): string", (u: KubeUrl) => u.url.host);
  env.registerFunction("kubernetes.URL.getHostname(): string", (u: KubeUrl) =>
    hostname(u.url.host),
  );
  env.registerFunction("kubernetes.URL.getPort(): string", (u: KubeUrl) => port(u.url.host));
  env.registerFunction("kubernetes.URL.getEscapedPath(): string", (u: KubeUrl) => u.url.path);
  env.registerFunction("isIP(string): bool", isIpAddress);
  return env;
}

let env: Environment | undefined;

export function celEnvironment(): Environment {
  env ??= build();
  return env;
}

/** Length of the string literal starting at `i` (quotes, triple quotes, raw strings). */
function literalLength(rule: string, i: number): number {
  const c = rule[i]!;
  const quote = rule.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
  const raw = i > 0 && /[rR]/.test(rule[i - 1]!);
  let j = i + quote.length;
  while (j < rule.length && !rule.startsWith(quote, j)) j += !raw && rule[j] === "\\" ? 2 : 1;
  return Math.min(rule.length, j + quote.length) - i;
}

/** Index of the `)` closing the `(` at `open`, skipping nested brackets and literals. */
function closing(rule: string, open: number): number {
  let depth = 0;
  for (let i = open; i < rule.length; i++) {
    const c = rule[i]!;
    if (c === '"' || c === "'") i += literalLength(rule, i) - 1;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Splits `a.b[0].c` into `a.b[0]` and `c` at the last top-level `.`. */
function lastSelect(expr: string): [string, string] | undefined {
  let depth = 0;
  for (let i = expr.length - 1; i >= 0; i--) {
    const c = expr[i]!;
    if (c === ")" || c === "]" || c === "}") depth++;
    else if (c === "(" || c === "[" || c === "{") depth--;
    else if (c === "." && depth === 0) {
      const field = expr.slice(i + 1).trim();
      return /^[A-Za-z_]\w*$/.test(field) ? [expr.slice(0, i), field] : undefined;
    }
  }
  return undefined;
}

const IDENT_CHAIN = /^\s*[A-Za-z_]\w*(\s*\.\s*[A-Za-z_]\w*)*\s*$/;

/**
 * The rule as the environment runs it: `.matches(` calls go to the RE2 implementation, and
 * `has(e.f)` on an operand that is not a plain field chain (cel-go allows `has(a[0].b)`,
 * cel-js does not) becomes `k8sHasField(e, "f")`. String literals are copied untouched.
 */
export function rewriteRule(rule: string): string {
  let out = "";
  let i = 0;
  while (i < rule.length) {
    const c = rule[i]!;
    if (c === '"' || c === "'") {
      const n = literalLength(rule, i);
      out += rule.slice(i, i + n);
      i += n;
      continue;
    }
    if (rule.startsWith(".matches(", i)) {
      out += ".re2Matches(";
      i += ".matches(".length;
      continue;
    }
    if (rule.startsWith("has(", i) && !/[\w.]/.test(rule[i - 1] ?? " ")) {
      const end = closing(rule, i + 3);
      const inner = end < 0 ? "" : rule.slice(i + 4, end);
      const split = lastSelect(inner);
      if (split && !IDENT_CHAIN.test(inner)) {
        out += `k8sHasField(${rewriteRule(split[0])}, "${split[1]}")`;
        i = end + 1;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

/** has() on an evaluated operand: presence of a field in an object (map). */
function hasField(obj: unknown, field: string): boolean {
  if (obj && typeof obj === "object" && !Array.isArray(obj)) {
    return obj instanceof Map ? obj.has(field) : Object.hasOwn(obj, field);
  }
  throw new Error(`invalid type for field selection: ${field}`);
}

const CEL_GO_WORDING: Record<string, string> = {
  int_conversion_error: "type conversion error from 'string' to 'int'",
  uint_conversion_error: "type conversion error from 'string' to 'uint'",
};

/** A runtime error as cel-go words it (`no such key: x`, `type conversion error from ...`). */
export function celErrorText(err: unknown): string {
  const e = err as { code?: string; summary?: string; message?: string };
  if (e.code && CEL_GO_WORDING[e.code]) return CEL_GO_WORDING[e.code]!;
  const text = e.summary ?? e.message ?? String(err);
  if (e.code === "no_such_key") return text.replace(/^No such key/, "no such key");
  return text.split("\n")[0]!;
}
