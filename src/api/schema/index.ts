// Structural validation against the CRD schemas (OpenAPI v3 and CEL rules), as the Kubernetes
// API server runs it on create: default, validate the schema (strict about unknown fields),
// then, when no type errors block it, evaluate the x-kubernetes-validations rules.

import type { Report } from "../diagnostic.ts";
import { type KindInfo, splitApiVersion } from "../kinds.ts";
import { validateRules } from "./cel-validate.ts";
import { CrdDirMissing, type CrdVersion, crdVersion } from "./crd-source.ts";
import { applyDefaults } from "./defaults.ts";
import { errorBody, type FieldError } from "./field-error.ts";
import { objectMetaErrors } from "./object-meta.ts";
import { validateValue } from "./openapi-validate.ts";

export { CrdDirMissing, crdDir } from "./crd-source.ts";
export type { FieldError } from "./field-error.ts";
export { compileSchema } from "./structural.ts";

/**
 * Errors after which CEL rules are not evaluated. Kubernetes stops on type and enum errors; an
 * oversized list or string stops here too, because Kubernetes bounds rule cost by maxItems and
 * maxLength (rules such as `self.all(a, self.exists_one(b, ...))` are quadratic) and would
 * reject such an object anyway.
 */
function blocking(e: FieldError): boolean {
  return (
    e.typeInvalid === true ||
    e.type === "Unsupported value" ||
    e.type === "Too many" ||
    e.type === "Too long"
  );
}

/**
 * The field errors of one object against its CRD schema. Kinds without a CRD (the Kubernetes
 * core kinds) have none here. Throws CrdDirMissing when the CRD bundle cannot be found.
 */
export function structuralErrors(kind: KindInfo, body: Record<string, unknown>): FieldError[] {
  if (!kind.crd) return [];
  const { version } = splitApiVersion(String(body.apiVersion ?? ""));
  const crd = crdVersion(kind, version);
  if (!crd) {
    return [
      {
        path: "apiVersion",
        type: "Unsupported value",
        value: body.apiVersion,
        detail: `no CRD schema for ${kind.id} version ${version}`,
      },
    ];
  }
  return validateAgainst(crd, body);
}

/** Validates one object against a compiled CRD version: defaults, schema, then CEL rules. */
export function validateAgainst(crd: CrdVersion, body: Record<string, unknown>): FieldError[] {
  const obj = structuredClone(body);
  if (crd.statusSubresource) delete obj.status;
  applyDefaults(crd.schema, obj);
  const errs: FieldError[] = [];
  validateValue(crd.schema, obj, "", errs, { strict: true });
  if (!crd.schema.hasRules) return errs;
  if (errs.some(blocking)) {
    errs.push({
      path: "",
      type: "Invalid value",
      value: null,
      detail:
        "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
    });
    return errs;
  }
  validateRules(crd.schema, obj, "", errs);
  return errs;
}

/**
 * A copy of `body` with the CRD schema's defaults applied, as the API server stores it (e.g. a
 * Gateway API backendRef gains `group: ""`, `kind: Service`, `weight: 1`). Kinds without a
 * schema come back as a plain copy.
 */
export function withDefaults(
  kind: KindInfo,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const obj = structuredClone(body);
  if (!kind.crd) return obj;
  const crd = crdVersion(kind, splitApiVersion(String(body.apiVersion ?? "")).version);
  if (crd) applyDefaults(crd.schema, obj);
  return obj;
}

export function validateStructure(
  kind: KindInfo,
  body: Record<string, unknown>,
  report: Report,
): void {
  let errs: FieldError[];
  try {
    errs = structuralErrors(kind, body);
  } catch (err) {
    // A broken bundle or an engine bug must not crash a server: report it on the object.
    const text = err instanceof Error ? err.message : String(err);
    report.error("", err instanceof CrdDirMissing ? text : `CRD schema validation failed: ${text}`);
    return;
  }
  for (const e of errs) report.error(e.type === "unknown field" ? "" : e.path, errorBody(e));
  // Names and labels the API server would refuse are warnings: file-based meshes accept them
  // (Istio's own pilot test configs use `BACKEND`), but they cannot be applied to a cluster.
  if (!kind.crd) return;
  for (const e of objectMetaErrors(body.metadata, kind.namespaced)) {
    if (e.typeInvalid) report.error(e.path, errorBody(e));
    else report.warning(e.path, errorBody(e));
  }
}
