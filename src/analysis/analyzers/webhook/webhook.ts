// webhook.Analyzer: Istio's injection webhooks must not overlap (a pod would be injected twice)
// and must point at a control-plane Service that exists.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { fullName, joinName, obj, objs, str, strs } from "../../util/fields.ts";
import { REVISION_LABEL } from "../../util/mesh-membership.ts";
import { type Labels, labelSelectorMatches, matchLabels } from "../../util/selectors.ts";

interface Hook {
  readonly id: string;
  readonly resource: Resource;
  readonly spec: Readonly<Record<string, unknown>>;
}

export const webhookAnalyzer: Analyzer = {
  name: "webhook.Analyzer",
  description: "Checks the validity of Istio webhooks",
  inputs: [K.MutatingWebhook, K.Service],
  analyze(ctx) {
    const hooks: Hook[] = [];
    const revisions = new Set<string>();
    for (const r of ctx.snapshot.list(K.MutatingWebhook)) {
      const whs = objs(r.spec.webhooks);
      const revs = extractRevisions(r, whs);
      if (revs.length === 0 && !whs.some((w) => str(w.name).endsWith("istio.io"))) continue;
      const name = fullName(r);
      for (const w of whs) hooks.push({ id: `${name}/${str(w.name)}`, resource: r, spec: w });
      for (const rev of revs) revisions.add(rev);
    }
    // Every namespace and object labelling a user might use must match at most one webhook.
    const withRevisions = (base: Labels[]): Labels[] => [
      ...base,
      ...[...revisions].flatMap((rev) => base.map((l) => ({ ...l, [REVISION_LABEL]: rev }))),
    ];
    const nsLabels = withRevisions([
      {},
      { "istio-injection": "enabled" },
      { "istio-injection": "disabled" },
    ]);
    const objLabels = withRevisions([
      {},
      { "sidecar.istio.io/inject": "true" },
      { "sidecar.istio.io/inject": "false" },
    ]);
    for (const nl of nsLabels) {
      for (const ol of objLabels) {
        const ids = new Set<string>();
        const matches: Hook[] = [];
        for (const h of hooks) {
          if (ids.has(h.id)) continue;
          if (
            labelSelectorMatches(h.spec.namespaceSelector, nl) &&
            labelSelectorMatches(h.spec.objectSelector, ol)
          ) {
            ids.add(h.id);
            matches.push(h);
          }
        }
        if (matches.length < 2) continue;
        for (const m of matches) {
          const others = matches.filter((o) => o.id !== m.id).map((o) => o.id);
          ctx.report(
            m.resource,
            "InvalidWebhook",
            `Webhook overlaps with others: [${others.join(" ")}]. This may cause injection to occur twice.`,
          );
        }
      }
    }
    for (const h of hooks) {
      const service = obj(h.spec.clientConfig).service;
      if (service === undefined || service === null) continue; // a URL
      const ns = str(obj(service).namespace);
      const name = str(obj(service).name);
      if (!ctx.snapshot.get(K.Service, ns || undefined, name)) {
        ctx.report(
          h.resource,
          "InvalidWebhook",
          `Injector refers to a control plane service that does not exist: ${joinName(ns, name)}.`,
        );
      }
    }
  },
};

function extractRevisions(
  r: Resource,
  hooks: readonly Readonly<Record<string, unknown>>[],
): string[] {
  const revs = new Set<string>();
  const label = r.metadata.labels?.[REVISION_LABEL];
  if (label !== undefined) revs.add(label);
  for (const w of hooks) {
    for (const sel of [w.namespaceSelector, w.objectSelector]) {
      if (sel === undefined || sel === null) continue;
      const ml = matchLabels(sel);
      if (REVISION_LABEL in ml) revs.add(ml[REVISION_LABEL]!);
      for (const e of objs(obj(sel).matchExpressions)) {
        if (str(e.key) === REVISION_LABEL) for (const v of strs(e.values)) revs.add(v);
      }
    }
  }
  return [...revs];
}
