// Envoy's JSON/YAML form of a message (proto3 JSON with the .proto field names, as Envoy's own
// bootstrap YAML is written): the one shape both a static bootstrap and ADS-delivered resources
// take inside Mast. Converts that form to and from protobufjs messages, strictly.

import protobuf from "protobufjs";
import { typeForUrl } from "./protos.ts";

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Bad config: names the field path and what was wrong. */
export class EnvoyConfigError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = "EnvoyConfigError";
    this.path = path;
  }
}

const WRAPPERS = new Set(
  ["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map(
    (w) => `.google.protobuf.${w}Value`,
  ),
);
const LONG_TYPES = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const INT_TYPES = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32", ...LONG_TYPES]);
const ANY = ".google.protobuf.Any";

type Plain = Record<string, unknown>;

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toNumber(): number;
  toString(): string;
}

function isLong(v: unknown): v is LongLike {
  return typeof v === "object" && v !== null && "low" in v && "high" in v && "unsigned" in v;
}

function longToJson(v: unknown): number | string {
  if (typeof v === "number") return v;
  if (typeof v === "string") return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (isLong(v)) {
    const n = v.toNumber();
    return Number.isSafeInteger(n) ? n : v.toString();
  }
  return Number(v);
}

/** Whether a message type has a special JSON form (a scalar, list or free object). */
function isSpecialJson(fullName: string): boolean {
  return (
    WRAPPERS.has(fullName) ||
    fullName === ".google.protobuf.Duration" ||
    fullName === ".google.protobuf.Timestamp" ||
    fullName === ".google.protobuf.Struct" ||
    fullName === ".google.protobuf.Value" ||
    fullName === ".google.protobuf.ListValue" ||
    fullName === ".google.protobuf.FieldMask"
  );
}

// The well-known types are bundled by protobufjs in camelCase even under keepCase, so their
// fields are found by either spelling.
function wkField(type: protobuf.Type, snake: string): protobuf.Field {
  const f = type.fields[snake] ?? type.fields[protobuf.util.camelCase(snake)];
  if (!f) throw new Error(`${type.fullName} has no field ${snake}`);
  return f;
}

// === message → JSON ===

function formatDuration(seconds: unknown, nanos: unknown): string {
  const s = Number(longToJson(seconds ?? 0));
  const n = Number(nanos ?? 0);
  if (!n) return `${s}s`;
  const sign = s < 0 || n < 0 ? "-" : "";
  let frac = String(Math.abs(n)).padStart(9, "0");
  frac = frac.replace(/(000)+$/, "");
  return `${sign}${Math.abs(s)}.${frac}s`;
}

function scalarToJson(field: protobuf.Field, v: unknown): JsonValue {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return messageToJson(rt, v as Plain);
  if (rt instanceof protobuf.Enum) return rt.valuesById[v as number] ?? (v as number);
  if (field.type === "bytes") return Buffer.from(v as Uint8Array).toString("base64");
  if (LONG_TYPES.has(field.type)) return longToJson(v);
  if ((field.type === "double" || field.type === "float") && !Number.isFinite(v)) {
    return String(v);
  }
  return v as JsonValue;
}

function specialToJson(type: protobuf.Type, msg: Plain): JsonValue {
  const name = type.fullName;
  const get = (f: string) => msg[wkField(type, f).name];
  if (WRAPPERS.has(name)) {
    const f = wkField(type, "value");
    return Object.hasOwn(msg, f.name)
      ? scalarToJson(f, msg[f.name])
      : scalarToJson(f, f.typeDefault);
  }
  if (name === ".google.protobuf.Duration") return formatDuration(get("seconds"), get("nanos"));
  if (name === ".google.protobuf.Timestamp") {
    const ms = Number(longToJson(get("seconds") ?? 0)) * 1000 + Number(get("nanos") ?? 0) / 1e6;
    return new Date(ms).toISOString();
  }
  if (name === ".google.protobuf.FieldMask") return ((get("paths") as string[]) ?? []).join(",");
  if (name === ".google.protobuf.ListValue") {
    const values = (get("values") as Plain[]) ?? [];
    const vt = wkField(type, "values").resolvedType as protobuf.Type;
    return values.map((v) => specialToJson(vt, v));
  }
  if (name === ".google.protobuf.Struct") {
    const out: JsonObject = {};
    const vt = wkField(type, "fields").resolvedType as protobuf.Type;
    for (const [k, v] of Object.entries((get("fields") as Record<string, Plain>) ?? {})) {
      out[k] = specialToJson(vt, v);
    }
    return out;
  }
  // google.protobuf.Value: whichever kind is set
  for (const f of type.fieldsArray) {
    if (!Object.hasOwn(msg, f.name) || msg[f.name] == null) continue;
    if (/null/i.test(f.name)) return null;
    const rt = f.resolvedType;
    if (rt instanceof protobuf.Type) return specialToJson(rt, msg[f.name] as Plain);
    return msg[f.name] as JsonValue;
  }
  return null;
}

function anyToJson(typeUrl: string, value: Uint8Array): JsonObject {
  const inner = typeForUrl(typeUrl);
  if (!inner) return { "@type": typeUrl, value: Buffer.from(value).toString("base64") };
  const decoded = inner.decode(value) as unknown as Plain;
  if (isSpecialJson(inner.fullName))
    return { "@type": typeUrl, value: specialToJson(inner, decoded) };
  return { "@type": typeUrl, ...(messageToJson(inner, decoded) as JsonObject) };
}

/** A decoded protobufjs message (or a plain object shaped like one) in Envoy's JSON form. */
export function messageToJson(type: protobuf.Type, msg: Plain): JsonValue {
  if (type.fullName === ANY) {
    const typeUrl = String(msg.type_url ?? "");
    if (!typeUrl) return {};
    return anyToJson(typeUrl, (msg.value as Uint8Array) ?? new Uint8Array());
  }
  if (isSpecialJson(type.fullName)) return specialToJson(type, msg);
  const out: JsonObject = {};
  for (const f of type.fieldsArray) {
    if (!Object.hasOwn(msg, f.name)) continue;
    const v = msg[f.name];
    if (v == null) continue;
    if (f.map) {
      const entries = Object.entries(v as Plain);
      if (entries.length === 0) continue;
      const m: JsonObject = {};
      for (const [k, ev] of entries) m[k] = scalarToJson(f, ev);
      out[f.name] = m;
    } else if (f.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      out[f.name] = arr.map((e) => scalarToJson(f, e));
    } else {
      out[f.name] = scalarToJson(f, v);
    }
  }
  return out;
}

// === JSON → message ===

const fieldIndex = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

function fieldsByName(type: protobuf.Type): Map<string, protobuf.Field> {
  let m = fieldIndex.get(type);
  if (!m) {
    m = new Map();
    for (const f of type.fieldsArray) {
      m.set(f.name, f);
      m.set(protobuf.util.camelCase(f.name), f);
    }
    fieldIndex.set(type, m);
  }
  return m;
}

const at = (path: string, key: string) => (path ? `${path}.${key}` : key);

function parseDuration(v: unknown, path: string): Plain {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Plain;
  const m = typeof v === "string" ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(v) : null;
  if (!m) throw new EnvoyConfigError(path, `expected a duration such as "1.5s", got ${show(v)}`);
  const sign = m[1] ? -1 : 1;
  return { seconds: sign * Number(m[2]), nanos: sign * Number((m[3] ?? "").padEnd(9, "0")) };
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function scalarFromJson(field: protobuf.Field, v: unknown, path: string): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return messageFromJson(rt, v, path);
  if (rt instanceof protobuf.Enum) {
    if (typeof v === "string" && Object.hasOwn(rt.values, v)) return rt.values[v];
    if (typeof v === "number" && Number.isInteger(v)) return v;
    const allowed = Object.keys(rt.values).join(", ");
    throw new EnvoyConfigError(path, `expected one of ${allowed}, got ${show(v)}`);
  }
  switch (field.type) {
    case "string":
      if (typeof v !== "string")
        throw new EnvoyConfigError(path, `expected a string, got ${show(v)}`);
      return v;
    case "bool":
      if (typeof v !== "boolean")
        throw new EnvoyConfigError(path, `expected true or false, got ${show(v)}`);
      return v;
    case "bytes":
      if (typeof v === "string" || v instanceof Uint8Array) return v;
      throw new EnvoyConfigError(path, `expected base64 bytes, got ${show(v)}`);
    case "double":
    case "float":
      if (typeof v === "number") return v;
      if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
      if (v === "NaN" || v === "Infinity" || v === "-Infinity") return Number(v);
      throw new EnvoyConfigError(path, `expected a number, got ${show(v)}`);
  }
  if (INT_TYPES.has(field.type)) {
    const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n)) {
      throw new EnvoyConfigError(path, `expected an integer, got ${show(v)}`);
    }
    if (field.type.startsWith("u") && n < 0) {
      throw new EnvoyConfigError(path, `expected a non-negative integer, got ${show(v)}`);
    }
    return LONG_TYPES.has(field.type) && typeof v === "string" ? v : n;
  }
  return v;
}

function valueFromJson(type: protobuf.Type, v: unknown, path: string): Plain {
  const name = (snake: string) => wkField(type, snake).name;
  if (v === null || v === undefined) return { [name("null_value")]: 0 };
  if (typeof v === "number") return { [name("number_value")]: v };
  if (typeof v === "string") return { [name("string_value")]: v };
  if (typeof v === "boolean") return { [name("bool_value")]: v };
  const st = wkField(type, "struct_value").resolvedType as protobuf.Type;
  const lt = wkField(type, "list_value").resolvedType as protobuf.Type;
  if (Array.isArray(v)) return { [name("list_value")]: specialFromJson(lt, v, path) };
  if (typeof v === "object") return { [name("struct_value")]: specialFromJson(st, v, path) };
  throw new EnvoyConfigError(path, `not representable as a protobuf Value: ${show(v)}`);
}

function specialFromJson(type: protobuf.Type, v: unknown, path: string): Plain {
  const name = type.fullName;
  if (WRAPPERS.has(name)) {
    const f = wkField(type, "value");
    const inner =
      typeof v === "object" && v !== null && !Array.isArray(v) && "value" in v ? v.value : v;
    return { [f.name]: scalarFromJson(f, inner, path) };
  }
  if (name === ".google.protobuf.Duration") return parseDuration(v, path);
  if (name === ".google.protobuf.Timestamp") {
    const ms = typeof v === "string" ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(ms))
      throw new EnvoyConfigError(path, `expected an RFC 3339 time, got ${show(v)}`);
    return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
  }
  if (name === ".google.protobuf.FieldMask") {
    if (typeof v !== "string") throw new EnvoyConfigError(path, `expected a field mask string`);
    return { paths: v ? v.split(",") : [] };
  }
  if (name === ".google.protobuf.ListValue") {
    if (!Array.isArray(v)) throw new EnvoyConfigError(path, `expected a list, got ${show(v)}`);
    const vt = wkField(type, "values").resolvedType as protobuf.Type;
    return { values: v.map((e, i) => valueFromJson(vt, e, `${path}[${i}]`)) };
  }
  if (name === ".google.protobuf.Struct") {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new EnvoyConfigError(path, `expected an object, got ${show(v)}`);
    }
    const vt = wkField(type, "fields").resolvedType as protobuf.Type;
    const fields: Record<string, Plain> = {};
    for (const [k, e] of Object.entries(v)) fields[k] = valueFromJson(vt, e, at(path, k));
    return { fields };
  }
  return valueFromJson(type, v, path);
}

function anyFromJson(v: Plain, path: string): Plain {
  if (typeof v.type_url === "string" && !("@type" in v)) return v; // already packed
  const typeUrl = v["@type"];
  if (typeof typeUrl !== "string" || !typeUrl) {
    throw new EnvoyConfigError(path, `an Any needs "@type" (a type URL)`);
  }
  const inner = typeForUrl(typeUrl);
  if (!inner) {
    if (typeof v.value === "string")
      return { type_url: typeUrl, value: Buffer.from(v.value, "base64") };
    throw new EnvoyConfigError(path, `unknown type URL "${typeUrl}" (not an Envoy v3 message)`);
  }
  const { "@type": _t, ...rest } = v;
  const body = isSpecialJson(inner.fullName) ? rest.value : rest;
  return { type_url: typeUrl, value: encodePlain(inner, messageFromJson(inner, body, path)) };
}

/** Envoy's JSON form → a plain object protobufjs's fromObject takes; throws EnvoyConfigError. */
export function messageFromJson(type: protobuf.Type, v: unknown, path: string): Plain {
  if (isSpecialJson(type.fullName)) return specialFromJson(type, v, path);
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new EnvoyConfigError(path, `expected an object (${type.name}), got ${show(v)}`);
  }
  if (type.fullName === ANY) return anyFromJson(v as Plain, path);
  const fields = fieldsByName(type);
  const out: Plain = {};
  for (const [key, val] of Object.entries(v)) {
    const f = fields.get(key);
    if (!f) throw new EnvoyConfigError(at(path, key), `unknown field in ${type.fullName.slice(1)}`);
    if (val === null || val === undefined) continue;
    const p = at(path, f.name);
    if (f.map) {
      if (typeof val !== "object" || Array.isArray(val)) {
        throw new EnvoyConfigError(p, `expected a map, got ${show(val)}`);
      }
      const m: Plain = {};
      for (const [k, e] of Object.entries(val)) m[k] = scalarFromJson(f, e, `${p}["${k}"]`);
      out[f.name] = m;
    } else if (f.repeated) {
      if (!Array.isArray(val)) throw new EnvoyConfigError(p, `expected a list, got ${show(val)}`);
      out[f.name] = val.map((e, i) => scalarFromJson(f, e, `${p}[${i}]`));
    } else {
      out[f.name] = scalarFromJson(f, val, p);
    }
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.oneof.filter((n) => Object.hasOwn(out, n));
    if (set.length > 1) {
      throw new EnvoyConfigError(path, `only one of ${set.join(", ")} may be set (${oneof.name})`);
    }
  }
  return out;
}

function encodePlain(type: protobuf.Type, plain: Plain): Uint8Array {
  return type.encode(type.fromObject(plain)).finish();
}

/** Envoy's JSON form of a message → protobuf bytes. */
export function encodeJson(type: protobuf.Type, json: unknown, path = ""): Uint8Array {
  return encodePlain(type, messageFromJson(type, json, path));
}

/** Protobuf bytes → Envoy's JSON form. */
export function decodeToJson(type: protobuf.Type, bytes: Uint8Array): JsonObject {
  return messageToJson(type, type.decode(bytes) as unknown as Plain) as JsonObject;
}
