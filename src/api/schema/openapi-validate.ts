// OpenAPI v3 value validation with Kubernetes' structural-schema semantics and kube-openapi's
// messages: types and nullability, formats, enums, bounds, required fields, unknown (pruned)
// fields, x-kubernetes-int-or-string, list-type set/map uniqueness, oneOf/anyOf/allOf/not.

import { child, type FieldError, index, jsonType, printValue } from "./field-error.ts";
import type { Structural } from "./structural.ts";

/** Fields Kubernetes allows at the root of every object whatever the schema says. */
const ROOT_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "integer":
      return (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
    case "number":
      return typeof v === "number" || typeof v === "bigint";
    default:
      return typeof v === type;
  }
}

function invalid(path: string, value: unknown, detail: string): FieldError {
  return { path, type: "Invalid value", value, detail };
}

/** field.TooMany, which openapi's maxItems and maxProperties both report as "items". */
function tooMany(path: string, count: number, max: number): FieldError {
  return { path, type: "Too many", value: count, detail: `must have at most ${max} items` };
}

function typeError(path: string, type: string, v: unknown): FieldError {
  const detail = `${path} in body must be of type ${type}: "${jsonType(v)}"`;
  return { ...invalid(path, v, detail), typeInvalid: true };
}

const FORMATS: Record<string, RegExp> = {
  "date-time":
    /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$|^\d{4}-\d{2}-\d{2}$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  ipv6: /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/,
};

/** Canonical JSON for deep equality (enum values, set members, map keys). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

export interface WalkOptions {
  /** Report fields the schema does not declare (the API server prunes them; strict rejects). */
  readonly strict: boolean;
}

export function validateValue(
  s: Structural,
  v: unknown,
  path: string,
  errs: FieldError[],
  opts: WalkOptions,
): void {
  if (v === null || v === undefined) {
    if (!s.nullable && s.type) errs.push(typeError(path, s.type, null));
    return;
  }
  if (s.intOrString) {
    if (!typeMatches("integer", v) && typeof v !== "string") {
      errs.push(typeError(path, "integer,string", v));
      return;
    }
  } else if (s.type && !typeMatches(s.type, v)) {
    errs.push(typeError(path, s.type, v));
    return;
  }
  if (s.enum && !s.enum.some((e) => canonical(e) === canonical(v))) {
    const supported = s.enum.map((e) => JSON.stringify(typeof e === "string" ? e : canonical(e)));
    errs.push({
      path,
      type: "Unsupported value",
      value: v,
      detail: `supported values: ${supported.join(", ")}`,
    });
  }
  if (typeof v === "string") checkString(s, v, path, errs);
  else if (typeof v === "number") checkNumber(s, v, path, errs);
  else if (Array.isArray(v)) checkArray(s, v, path, errs, opts);
  else if (typeof v === "object") checkObject(s, v as Record<string, unknown>, path, errs, opts);
  checkComposites(s, v, path, errs);
}

function checkString(s: Structural, v: string, path: string, errs: FieldError[]): void {
  const length = [...v].length;
  if (s.maxLength !== undefined && length > s.maxLength) {
    const unit = s.maxLength === 1 ? "byte" : "bytes";
    errs.push({ path, type: "Too long", detail: `may not be more than ${s.maxLength} ${unit}` });
  }
  if (s.minLength !== undefined && length < s.minLength) {
    errs.push(invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`));
  }
  if (s.pattern && !s.pattern.test(v)) {
    errs.push(invalid(path, v, `${path} in body should match '${s.pattern.source}'`));
  }
  const format = s.format ? FORMATS[s.format] : undefined;
  if (format && !format.test(v)) {
    const detail = `${path} in body must be of type ${s.format}: ${printValue(v)}`;
    errs.push({ ...invalid(path, v, detail), typeInvalid: true });
  }
}

function checkNumber(s: Structural, v: number, path: string, errs: FieldError[]): void {
  if (s.minimum !== undefined) {
    if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) {
      const op = s.exclusiveMinimum ? "greater than" : "greater than or equal to";
      errs.push(invalid(path, v, `${path} in body should be ${op} ${s.minimum}`));
    }
  }
  if (s.maximum !== undefined) {
    if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) {
      const op = s.exclusiveMaximum ? "less than" : "less than or equal to";
      errs.push(invalid(path, v, `${path} in body should be ${op} ${s.maximum}`));
    }
  }
}

function checkArray(
  s: Structural,
  v: unknown[],
  path: string,
  errs: FieldError[],
  opts: WalkOptions,
): void {
  if (s.maxItems !== undefined && v.length > s.maxItems) {
    errs.push(tooMany(path, v.length, s.maxItems));
  }
  if (s.minItems !== undefined && v.length < s.minItems) {
    errs.push(invalid(path, v, `${path} in body should have at least ${s.minItems} items`));
  }
  if (s.items) {
    for (let i = 0; i < v.length; i++) validateValue(s.items, v[i], index(path, i), errs, opts);
  }
  if (opts.strict) checkListType(s, v, path, errs);
}

/** x-kubernetes-list-type: set members and map keys must be unique. */
function checkListType(s: Structural, v: unknown[], path: string, errs: FieldError[]): void {
  if (s.listType === "set") {
    const seen = new Set<string>();
    v.forEach((x, i) => {
      const key = canonical(x);
      if (seen.has(key)) errs.push({ path: index(path, i), type: "Duplicate value", value: x });
      seen.add(key);
    });
  } else if (s.listType === "map" && s.listMapKeys.length > 0) {
    const seen = new Set<string>();
    v.forEach((x, i) => {
      if (!x || typeof x !== "object" || Array.isArray(x)) return;
      const keyValue: Record<string, unknown> = {};
      for (const k of s.listMapKeys) {
        const kv = (x as Record<string, unknown>)[k];
        if (kv !== undefined) keyValue[k] = kv;
      }
      const key = canonical(keyValue);
      if (seen.has(key)) {
        errs.push({ path: index(path, i), type: "Duplicate value", value: keyValue });
      }
      seen.add(key);
    });
  }
}

function checkObject(
  s: Structural,
  v: Record<string, unknown>,
  path: string,
  errs: FieldError[],
  opts: WalkOptions,
): void {
  const keys = Object.keys(v);
  if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
    errs.push(tooMany(path, keys.length, s.maxProperties));
  }
  if (s.minProperties !== undefined && keys.length < s.minProperties) {
    errs.push(
      invalid(path, v, `${path} in body should have at least ${s.minProperties} properties`),
    );
  }
  for (const r of s.required) {
    if (!(r in v)) errs.push({ path: child(path, r), type: "Required value" });
  }
  for (const k of keys) {
    if (path === "" && ROOT_FIELDS.has(k)) {
      if (k !== "metadata" && s.properties?.has(k))
        validateValue(s.properties.get(k)!, v[k], k, errs, opts);
      continue;
    }
    const prop = s.properties?.get(k);
    if (prop) validateValue(prop, v[k], child(path, k), errs, opts);
    else if (s.additionalProperties) {
      validateValue(s.additionalProperties, v[k], index(path, k), errs, opts);
    } else if (opts.strict && !s.preserveUnknownFields) {
      errs.push({ path: child(path, k), type: "unknown field" });
    }
  }
}

/** Passes when the value meets every value validation of `s` (no unknown-field checks). */
function passes(s: Structural, v: unknown, path: string): boolean {
  const errs: FieldError[] = [];
  validateValue(s, v, path, errs, { strict: false });
  return errs.length === 0;
}

function checkComposites(s: Structural, v: unknown, path: string, errs: FieldError[]): void {
  const quoted = `"${path}"`;
  if (s.oneOf) {
    const valid = s.oneOf.filter((x) => passes(x, v, path)).length;
    if (valid !== 1) {
      const found = valid === 0 ? "Found none valid" : `Found ${valid} valid alternatives`;
      errs.push(
        invalid(path, v, `${quoted} must validate one and only one schema (oneOf). ${found}`),
      );
    }
  }
  if (s.anyOf && !s.anyOf.some((x) => passes(x, v, path))) {
    errs.push(invalid(path, v, `${quoted} must validate at least one schema (anyOf)`));
  }
  if (s.allOf && !s.allOf.every((x) => passes(x, v, path))) {
    errs.push(invalid(path, v, `${quoted} must validate all the schemas (allOf)`));
  }
  if (s.not && passes(s.not, v, path)) {
    errs.push(invalid(path, v, `${quoted} must not validate the schema (not)`));
  }
}
