// schema.ValidationAnalyzer.<Kind>: the project's validation (CRD structure and Istio's semantic
// checks, `validateObject`) run as analyzers, one per Istio kind: errors as IST0106, warnings as
// IST0133, and unreachable VirtualService rules and matches as IST0130/IST0131, as istioctl does.

import type { Diagnostic } from "../../../api/diagnostic.ts";
import { KINDS, type KindInfo } from "../../../api/kinds.ts";
import type { Resource } from "../../../api/resource.ts";
import { validateObject } from "../../../api/validate.ts";
import type { Analyzer, Context, FieldPath } from "../../analyzer.ts";

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
        for (const d of validate(r)) report(ctx, r, d);
      }
    },
  };
}

/** Istio's AnalysisAwareError texts, which istioctl reports as their own message types. */
const UNREACHABLE = /^virtualService rule (.+) not used \((.+)\)$/;
const INEFFECTIVE =
  /^virtualService rule (.+) match (.+) is not used \(duplicate\/overlapping match in rule (.+)\)$/;

function report(ctx: Context, r: Resource, d: Diagnostic): void {
  const at = fieldPath(d.path);
  const ineffective = INEFFECTIVE.exec(d.message);
  if (ineffective) {
    const [, rule, match, dup] = ineffective;
    ctx.reportAt(r, at, "VirtualServiceIneffectiveMatch", rule, match, dup);
    return;
  }
  const unreachable = UNREACHABLE.exec(d.message);
  if (unreachable) {
    ctx.reportAt(r, at, "VirtualServiceUnreachableRule", unreachable[1], unreachable[2]);
    return;
  }
  const text = d.path ? `${d.path}: ${d.message}` : d.message;
  ctx.reportAt(r, at, d.level === "error" ? "SchemaValidationError" : "SchemaWarning", text);
}

/** `spec.http[1].match[0]` → `["spec", "http", 1, "match", 0]`. */
function fieldPath(path: string): FieldPath {
  const out: (string | number)[] = [];
  for (const part of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    out.push(part.startsWith("[") ? Number(part.slice(1, -1)) : part);
  }
  return out;
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
