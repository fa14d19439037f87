// Istio's semantic checks, the ones the CRD schemas cannot express; one file per kind.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";

export function validateSemantics(_resource: Resource, _report: Report): void {}
