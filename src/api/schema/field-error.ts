// Field errors as the Kubernetes API server words them (k8s.io/apimachinery field.Error), so a
// message from `mast validate` reads like `kubectl apply` would print it for the same object.

export type FieldErrorType =
  | "Required value"
  | "Invalid value"
  | "Unsupported value"
  | "Duplicate value"
  | "Too many"
  | "Too long"
  | "Forbidden"
  | "unknown field";

export interface FieldError {
  readonly path: string;
  readonly type: FieldErrorType;
  /** The offending value; undefined when Kubernetes omits it (Required, Too long, Forbidden). */
  readonly value?: unknown;
  readonly detail?: string;
  /** Kubernetes' TypeInvalid: printed as "Invalid value", but it stops CEL evaluation. */
  readonly typeInvalid?: boolean;
}

/** The text after `path: `, e.g. `Invalid value: "": spec.url in body should be ...`. */
export function errorBody(e: FieldError): string {
  if (e.type === "unknown field") return `unknown field "${e.path}"`;
  let s: string = e.type;
  const omitted = e.type === "Required value" || e.type === "Too long" || e.type === "Forbidden";
  if (!omitted) s += `: ${printValue(e.value)}`;
  return e.detail ? `${s}: ${e.detail}` : s;
}

/** Go's `%q` for strings, `%v` for simple values, JSON for the rest. */
export function printValue(value: unknown): string {
  if (value === null || value === undefined) return '"null"';
  if (typeof value === "string") return goQuote(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? Number(v) : v));
}

/** Go's strconv.Quote for the common cases: JSON escaping is the same for printable text. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** The JSON type name kube-openapi prints in "must be of type X: \"<actual>\"". */
export function jsonType(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (typeof value === "bigint") return "integer";
  return typeof value; // string, boolean, object
}

/** `spec.hosts` + `x` → `spec.hosts.x`; the root path is "". */
export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function index(path: string, i: number | string): string {
  return `${path}[${i}]`;
}
