// schema.ValidationAnalyzer.<Kind>: the project's validation (CRD structure and Istio's semantic
// checks, `validateObject`) run as analyzers, one per Istio kind, errors as IST0106 and
// warnings as IST0133, as istioctl reports them.

import type { Diagnostic } from "../../../api/diagnostic.ts";
import { KINDS, type KindInfo } from "../../../api/kinds.ts";
import type { Resource } from "../../../api/resource.ts";
import { validateObject } from "../../../api/validate.ts";
import type { Analyzer } from "../../analyzer.ts";

/** Istio's own kinds (collections.Istio): every CRD in an `*.istio.io` group. */
const ISTIO_KINDS = KINDS.filter((k) => k.crd && k.group.endsWith("istio.io"));

export const schemaValidationAnalyzers: readonly Analyzer[] = ISTIO_KINDS.map(validationAnalyzer);

function validationAnalyzer(kind: KindInfo): Analyzer {
  return {
    name: `schema.ValidationAnalyzer.${kind.kind}`,
    description: `Runs schema validation as an analyzer on '${kind.kind}' resources`,
    inputs: [kind.id],
    analyze(ctx) {
      for (const r of ctx.snapshot.list(kind.id)) {
        for (const d of validate(r)) {
          const text = d.path ? `${d.path}: ${d.message}` : d.message;
          ctx.report(r, d.level === "error" ? "SchemaValidationError" : "SchemaWarning", text);
        }
      }
    },
  };
}

function validate(r: Resource): readonly Diagnostic[] {
  const body: Record<string, unknown> = {
    apiVersion: r.apiVersion,
    kind: r.kind.kind,
    metadata: r.metadata,
    spec: r.spec,
  };
  if (r.status !== undefined) body.status = r.status;
  return validateObject({ body, origin: r.origin ?? { doc: 0 } }).diagnostics;
}
