// Where a Gateway's workload selector sits, for pointing selector messages at their line.

import type { Resource } from "../../../api/resource.ts";
import { labels } from "../../util/fields.ts";

export function selectorPath(r: Resource): (string | number)[] {
  const first = Object.keys(labels(r.spec.selector)).sort()[0];
  return first === undefined ? ["spec", "selector"] : ["spec", "selector", first];
}
