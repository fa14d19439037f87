// What every EnvoyFilter patcher shares (istio core/envoyfilter util): the patch context a
// resource is generated in, the context condition, applying one patch so that a failure leaves
// the resource as it was, and list edits by position.

import type { PatchContext } from "../../../api/types/envoy-filter.ts";
import type { ConfigPatch } from "../../../model/envoy-filters.ts";
import type { MeshProxy } from "../../../model/proxy.ts";
import type { Json } from "../common.ts";
import { copyJson, mergeInto } from "./merge.ts";

export { copyJson };

export type ProblemSink = (message: string) => void;

/** A patch with context ANY applies everywhere; otherwise only in its own context. */
export function contextMatches(ctx: PatchContext, p: ConfigPatch): boolean {
  return p.context === "ANY" || p.context === ctx;
}

/**
 * ADD patches of listeners and clusters with context ANY apply to sidecar outbound and gateway
 * config only (Istio's patchListeners / InsertedClusters).
 */
export function addContextMatches(ctx: PatchContext, p: ConfigPatch): boolean {
  if (p.context === "ANY") return ctx === "SIDECAR_OUTBOUND" || ctx === "GATEWAY";
  return p.context === ctx;
}

export function sidecarOrGateway(proxy: MeshProxy, sidecar: PatchContext): PatchContext {
  return proxy.type === "router" ? "GATEWAY" : sidecar;
}

/** A copy of a patch value, so that edits to generated config never reach the EnvoyFilter. */
export function patchValue(p: ConfigPatch): Json {
  return copyJson(p.value);
}

/** MERGE of a whole message: applied to a copy and kept only when it succeeds. */
export function mergeChecked(typeName: string, target: Json, p: ConfigPatch): void {
  const copy = copyJson(target);
  mergeInto(typeName, copy, p.value);
  Object.assign(target, copy);
}

/** Runs one patch; a patch that throws is reported and skipped, never failing the push. */
export function guarded(p: ConfigPatch, report: ProblemSink, apply: () => void): void {
  try {
    apply();
  } catch (err) {
    report(`EnvoyFilter ${p.source} ${p.applyTo} ${p.operation}: ${(err as Error).message}`);
  }
}

/**
 * The list-level operations shared by network filters, HTTP filters and routes: ADD,
 * INSERT_FIRST, INSERT_BEFORE/INSERT_AFTER relative to the first item `matches` (at the start /
 * end when the patch names no item), and REPLACE of that item.
 */
export function insertOrReplace(
  list: Json[],
  p: ConfigPatch,
  hasItemMatch: boolean,
  matches: (item: Json) => boolean,
): Json[] {
  const at = () => list.findIndex(matches);
  switch (p.operation) {
    case "ADD":
      return [...list, patchValue(p)];
    case "INSERT_FIRST":
      return [patchValue(p), ...list];
    case "INSERT_BEFORE":
    case "INSERT_AFTER": {
      const after = p.operation === "INSERT_AFTER";
      if (!hasItemMatch) return after ? [...list, patchValue(p)] : [patchValue(p), ...list];
      const i = at();
      if (i < 0) return list;
      const pos = after ? i + 1 : i;
      return [...list.slice(0, pos), patchValue(p), ...list.slice(pos)];
    }
    case "REPLACE": {
      if (!hasItemMatch) return list;
      const i = at();
      if (i < 0) return list;
      return [...list.slice(0, i), patchValue(p), ...list.slice(i + 1)];
    }
    default:
      return list;
  }
}
