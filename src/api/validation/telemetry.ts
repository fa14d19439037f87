// Telemetry semantics (istio ValidateTelemetry): targeting, provider names, tracing sampling and
// custom tags, metric tag overrides, access-log providers and CEL filters.

import { parse as parseCel } from "@marcbachmann/cel-js";
import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { ProviderRef, TelemetrySpec } from "../types/telemetry.ts";
import { checkPolicyTargeting } from "./common.ts";

function checkProviders(providers: ProviderRef[] | undefined, p: string, report: Report): void {
  if (providers?.some((x) => !x?.name)) report.error(p, "providers.name may not be empty");
}

export function validateTelemetry(r: Resource<TelemetrySpec>, report: Report): void {
  const t = r.spec;
  checkPolicyTargeting(t, report);
  t.metrics?.forEach((m, i) => {
    const p = `spec.metrics[${i}]`;
    if (!m) return;
    checkProviders(m.providers, `${p}.providers`, report);
    m.overrides?.forEach((o, j) => {
      const op = `${p}.overrides[${j}]`;
      if (!o) {
        report.error(op, "tagOverrides may not be null");
        return;
      }
      for (const [tag, to] of Object.entries(o.tagOverrides ?? {})) {
        const tp = `${op}.tagOverrides[${tag}]`;
        if (tag === "") report.warning(tp, "tagOverrides.name may not be empty");
        if (!to) {
          report.error(tp, "tagOverrides may not be null");
          continue;
        }
        const operation = to.operation ?? "UPSERT";
        if (operation === "UPSERT" && !to.value)
          report.error(tp, "tagOverrides.value must be set when operation is UPSERT");
        if (operation === "REMOVE" && to.value)
          report.error(tp, "tagOverrides.value may only be set when operation is UPSERT");
      }
      if (o.match?.customMetric !== undefined && o.match.customMetric === "") {
        report.error(`${op}.match.customMetric`, "customMetric may not be empty");
      }
    });
  });
  if ((t.tracing?.length ?? 0) > 1)
    report.warning("spec.tracing", "multiple tracing is not currently supported");
  t.tracing?.forEach((tr, i) => {
    const p = `spec.tracing[${i}]`;
    if (!tr) return;
    if ((tr.providers?.length ?? 0) > 1)
      report.warning(`${p}.providers`, "multiple providers is not currently supported");
    checkProviders(tr.providers, `${p}.providers`, report);
    const pct = tr.randomSamplingPercentage;
    if (pct !== undefined && (pct < 0 || pct > 100)) {
      report.error(
        `${p}.randomSamplingPercentage`,
        "randomSamplingPercentage must be in range [0.0, 100.0]",
      );
    }
    for (const [name, tag] of Object.entries(tr.customTags ?? {})) {
      const tp = `${p}.customTags[${name}]`;
      if (name === "") report.error(tp, "tag name may not be empty");
      if (!tag) {
        report.error(tp, `tag '${name}' may not have a nil value`);
        continue;
      }
      if (tag.literal && !tag.literal.value) report.error(tp, "literal tag value may not be empty");
      if (tag.header && !tag.header.name) report.error(tp, "header tag name may not be empty");
      if (tag.environment && !tag.environment.name)
        report.error(tp, "environment tag name may not be empty");
    }
  });
  t.accessLogging?.forEach((l, i) => {
    const p = `spec.accessLogging[${i}]`;
    if (!l) return;
    if (l.filter?.expression !== undefined) {
      try {
        parseCel(l.filter.expression);
      } catch (err) {
        const first = (err as Error).message.split("\n")[0];
        report.error(`${p}.filter.expression`, `must be a valid CEL expression, ${first}`);
      }
    }
    checkProviders(l.providers, `${p}.providers`, report);
  });
}
