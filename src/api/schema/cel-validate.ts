// Runs the `x-kubernetes-validations` CEL rules of every schema node over an object, as the
// API server does on create: `self` is the node's value, transition rules (oldSelf) are
// skipped, and failures read `path: Invalid value: "object": <message>`.

import type { ParseResult } from "@marcbachmann/cel-js";
import { celEnvironment, celErrorText, rewriteRule } from "./cel-env.ts";
import { toCel } from "./cel-value.ts";
import { child, type FieldError, index } from "./field-error.ts";
import type { Structural, ValidationRule } from "./structural.ts";

type Program = ParseResult;

const programs = new Map<string, Program | Error>();

/** Compiles a rule once per process; a rule the engine cannot parse yields the Error. */
export function compileRule(rule: string): Program | Error {
  let p = programs.get(rule);
  if (!p) {
    try {
      p = celEnvironment().parse(rewriteRule(rule));
    } catch (err) {
      p = err instanceof Error ? err : new Error(String(err));
    }
    programs.set(rule, p);
  }
  return p;
}

/** Transition rules compare with the stored object; a create has none, so they do not run. */
export function isTransitionRule(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}

function ruleText(r: ValidationRule): string {
  return (r.message ?? "").trim() || r.rule.trim();
}

/** `.spec.foo['bar']` → `spec.foo[bar]`, appended to the rule's own path. */
function withFieldPath(path: string, fieldPath: string | undefined): string {
  if (!fieldPath) return path;
  let out = path;
  const re = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[['"]([^'"]*)['"]\]|\[(\d+)\]/g;
  for (const m of fieldPath.matchAll(re)) {
    if (m[1] !== undefined) out = child(out, m[1]);
    else out = index(out, m[2] ?? m[3]!);
  }
  return out;
}

function evalRule(
  s: Structural,
  r: ValidationRule,
  self: unknown,
  path: string,
  errs: FieldError[],
): void {
  const type = s.type ?? "";
  const program = compileRule(r.rule);
  if (program instanceof Error) {
    errs.push({
      path,
      type: "Invalid value",
      value: type,
      detail: `rule compile error: ${celErrorText(program)}: ${ruleText(r)}`,
    });
    return;
  }
  let result: unknown;
  try {
    result = program({ self });
  } catch (err) {
    errs.push({
      path,
      type: "Invalid value",
      value: type,
      detail: `${celErrorText(err)} evaluating rule: ${ruleText(r)}`,
    });
    return;
  }
  if (result === true) return;
  let detail = r.message?.trim() ? r.message.trim() : `failed rule: ${ruleText(r)}`;
  if (r.messageExpression) {
    try {
      const m = compileRule(r.messageExpression);
      const text = m instanceof Error ? undefined : m({ self });
      if (typeof text === "string" && text.trim() !== "") detail = text.trim();
    } catch {
      // Kubernetes falls back to message (or the rule) when messageExpression fails.
    }
  }
  const at = withFieldPath(path, r.fieldPath);
  switch (r.reason) {
    case "FieldValueRequired":
      errs.push({ path: at, type: "Required value", detail });
      break;
    case "FieldValueForbidden":
      errs.push({ path: at, type: "Forbidden", detail });
      break;
    case "FieldValueDuplicate":
      errs.push({ path: at, type: "Duplicate value", value: type });
      break;
    default:
      errs.push({ path: at, type: "Invalid value", value: type, detail });
  }
}

/** Evaluates every rule in the subtree of `s` over `v` (already defaulted and type-checked). */
export function validateRules(
  s: Structural,
  v: unknown,
  path: string,
  errs: FieldError[],
  root = path === "",
): void {
  if (v === null || v === undefined) return;
  if (s.rules.length > 0) {
    const self = toCel(s, v, root);
    for (const r of s.rules) {
      if (!isTransitionRule(r.rule)) evalRule(s, r, self, path, errs);
    }
  }
  if (Array.isArray(v)) {
    if (s.items) {
      for (let i = 0; i < v.length; i++) validateRules(s.items, v[i], index(path, i), errs, false);
    }
    return;
  }
  if (typeof v !== "object") return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (root && k === "metadata") continue;
    const prop = s.properties?.get(k);
    if (prop) validateRules(prop, x, child(path, k), errs, false);
    else if (s.additionalProperties) {
      validateRules(s.additionalProperties, x, index(path, k), errs, false);
    }
  }
}
