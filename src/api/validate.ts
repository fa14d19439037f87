// Validation of one object, as Istio's webhook does it: identify the kind, check the structure
// against the CRD schema (OpenAPI v3 + CEL), then run Istio's semantic checks on the typed form.

import { type Diagnostic, Report } from "./diagnostic.ts";
import { identify, type RawObject } from "./parse.ts";
import { describe, type ObjectMeta, type Resource, specOf } from "./resource.ts";
import { validateStructure } from "./schema/index.ts";
import { validateSemantics } from "./validation/index.ts";

export interface Validated {
  /** The object in internal form; absent when it could not be identified or is invalid. */
  readonly resource?: Resource;
  readonly diagnostics: readonly Diagnostic[];
}

export type Converted =
  | { readonly ok: true; readonly resource: Resource }
  | { readonly ok: false; readonly diagnostic: Diagnostic };

/** The internal form of an object, without validating its fields. */
export function toResource(obj: RawObject): Converted {
  const id = identify(obj);
  if (!id.ok) return id;
  const meta = obj.body.metadata as ObjectMeta;
  const resource: Resource = deepFreeze({
    kind: id.kind,
    apiVersion: obj.body.apiVersion as string,
    metadata: { ...meta, namespace: id.namespace },
    spec: specOf(obj.body, id.kind.id),
    status: obj.body.status,
    origin: obj.origin,
  });
  return { ok: true, resource };
}

export function validateObject(obj: RawObject): Validated {
  const converted = toResource(obj);
  if (!converted.ok) return { diagnostics: [converted.diagnostic] };
  const { resource } = converted;
  const report = new Report(describe(resource), obj.origin);
  validateStructure(resource.kind, obj.body, report);
  if (report.errors.length === 0) validateSemantics(resource, report);
  return {
    resource: report.errors.length === 0 ? resource : undefined,
    diagnostics: report.items,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
