// Structural validation against the CRD schemas (OpenAPI v3 and CEL rules).

import type { Report } from "../diagnostic.ts";
import type { KindInfo } from "../kinds.ts";

export function validateStructure(
  _kind: KindInfo,
  _body: Record<string, unknown>,
  _report: Report,
): void {}
