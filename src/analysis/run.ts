// Runs analyzers over a snapshot. This is the one entry both `mast analyze` and the control
// plane use; it is pure apart from reading the message catalogue once.

import { type AnalysisMessage, type Analyzer, Context } from "./analyzer.ts";
import { defaultAnalyzers } from "./registry.ts";
import type { Snapshot } from "./snapshot.ts";

export function analyze(
  snapshot: Snapshot,
  analyzers: readonly Analyzer[] = defaultAnalyzers(),
): AnalysisMessage[] {
  const ctx = new Context(snapshot);
  for (const a of analyzers) {
    ctx.begin(a.name);
    try {
      a.analyze(ctx);
    } catch (err) {
      // A bug in one analyzer must not hide the findings of the others.
      const detail = `${a.name}: ${(err as Error).message}`;
      const r = snapshot.resources[0];
      if (r) ctx.report(r, "InternalError", detail);
    }
  }
  return dedupe(ctx.messages);
}

/**
 * Drops repeated identical messages (same code, resource and text), as Istio's analysis result
 * does: an analyzer that meets one problem from several directions reports it once.
 */
function dedupe(messages: readonly AnalysisMessage[]): AnalysisMessage[] {
  const seen = new Set<string>();
  return messages.filter((m) => {
    const key = `${m.code}\u0000${m.origin}\u0000${m.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
