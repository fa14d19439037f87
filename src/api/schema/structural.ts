// The compiled form of a CRD's OpenAPI v3 schema: one node per schema object with the
// Kubernetes extensions (`x-kubernetes-*`) read into plain fields and patterns compiled once.
// Built from the CRD YAML at run time; nothing here is hand-copied from a schema.

import { RE2JS } from "re2js";

export interface ValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly reason?: string;
}

export interface Structural {
  readonly type?: string;
  readonly format?: string;
  readonly description?: string;
  readonly properties?: ReadonlyMap<string, Structural>;
  readonly items?: Structural;
  readonly additionalProperties?: Structural;
  readonly required: readonly string[];
  readonly nullable: boolean;
  readonly preserveUnknownFields: boolean;
  readonly intOrString: boolean;
  readonly enum?: readonly unknown[];
  readonly pattern?: Pattern;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum: boolean;
  readonly exclusiveMaximum: boolean;
  readonly default?: unknown;
  readonly listType?: "atomic" | "set" | "map";
  readonly listMapKeys: readonly string[];
  readonly oneOf?: readonly Structural[];
  readonly anyOf?: readonly Structural[];
  readonly allOf?: readonly Structural[];
  readonly not?: Structural;
  readonly rules: readonly ValidationRule[];
  /** This node or one below it has CEL rules. */
  readonly hasRules: boolean;
}

/** An OpenAPI `pattern`: RE2 (Go's regexp, as Kubernetes), compiled on first use. */
export class Pattern {
  readonly source: string;
  #re: RE2JS | undefined;
  constructor(source: string) {
    this.source = source;
  }
  test(s: string): boolean {
    this.#re ??= RE2JS.compile(this.source);
    return this.#re.test(s);
  }
}

type Raw = Record<string, unknown>;

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

function list(raw: unknown): Structural[] | undefined {
  return Array.isArray(raw) ? raw.map((s) => compileSchema(s as Raw)) : undefined;
}

export function compileSchema(raw: Raw): Structural {
  const node = compileNode(raw);
  const below = [...(node.properties?.values() ?? []), node.items, node.additionalProperties].some(
    (c) => c?.hasRules,
  );
  return { ...node, hasRules: node.rules.length > 0 || below };
}

function compileNode(raw: Raw): Omit<Structural, "hasRules"> {
  const props = raw.properties as Record<string, Raw> | undefined;
  const addl = raw.additionalProperties;
  const pattern = typeof raw.pattern === "string" ? raw.pattern : undefined;
  const listType = raw["x-kubernetes-list-type"];
  return {
    type: typeof raw.type === "string" ? raw.type : undefined,
    format: typeof raw.format === "string" ? raw.format : undefined,
    properties: props
      ? new Map(Object.entries(props).map(([k, v]) => [k, compileSchema(v)]))
      : undefined,
    items: raw.items && typeof raw.items === "object" ? compileSchema(raw.items as Raw) : undefined,
    additionalProperties: addl && typeof addl === "object" ? compileSchema(addl as Raw) : undefined,
    required: Array.isArray(raw.required) ? (raw.required as string[]) : [],
    nullable: raw.nullable === true,
    preserveUnknownFields: raw["x-kubernetes-preserve-unknown-fields"] === true,
    intOrString: raw["x-kubernetes-int-or-string"] === true,
    enum: Array.isArray(raw.enum) ? raw.enum : undefined,
    pattern: pattern === undefined ? undefined : new Pattern(pattern),
    minLength: num(raw.minLength),
    maxLength: num(raw.maxLength),
    minItems: num(raw.minItems),
    maxItems: num(raw.maxItems),
    minProperties: num(raw.minProperties),
    maxProperties: num(raw.maxProperties),
    minimum: num(raw.minimum),
    maximum: num(raw.maximum),
    exclusiveMinimum: raw.exclusiveMinimum === true,
    exclusiveMaximum: raw.exclusiveMaximum === true,
    default: raw.default,
    listType:
      listType === "set" || listType === "map" || listType === "atomic" ? listType : undefined,
    listMapKeys: Array.isArray(raw["x-kubernetes-list-map-keys"])
      ? (raw["x-kubernetes-list-map-keys"] as string[])
      : [],
    oneOf: list(raw.oneOf),
    anyOf: list(raw.anyOf),
    allOf: list(raw.allOf),
    not: raw.not && typeof raw.not === "object" ? compileSchema(raw.not as Raw) : undefined,
    rules: Array.isArray(raw["x-kubernetes-validations"])
      ? (raw["x-kubernetes-validations"] as ValidationRule[])
      : [],
  };
}
