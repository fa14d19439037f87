// Istio's well-known annotations (name, feature status, deprecation, the resource kinds they
// belong on), read at run time from the corpus copy of istio/api's annotations.yaml.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { istioCorpusDir } from "../../messages.ts";
import { obj, objs, str, strs } from "../../util/fields.ts";

export interface AnnotationDef {
  readonly name: string;
  /** Alpha, Beta or Stable; an unset status counts as Alpha, as in istio/api. */
  readonly featureStatus: string;
  readonly deprecated: boolean;
  readonly hidden: boolean;
  readonly resources: readonly string[];
}

let loaded: Map<string, AnnotationDef> | undefined;

export function annotationDefs(): Map<string, AnnotationDef> {
  if (!loaded) {
    const doc = obj(
      parse(readFileSync(join(istioCorpusDir(), "api-metadata", "annotations.yaml"), "utf8")),
    );
    loaded = new Map(
      objs(doc.annotations).map((a) => [
        str(a.name),
        {
          name: str(a.name),
          featureStatus: str(a.featureStatus) || "Alpha",
          deprecated: a.deprecated === true,
          hidden: a.hidden === true,
          resources: strs(a.resources),
        },
      ]),
    );
  }
  return loaded;
}

/** Annotations in Istio's namespaces (`*istio.io/...`), plus the documented ingress class. */
export function isIstioAnnotation(name: string): boolean {
  if (name === "kubernetes.io/ingress.class") return true;
  return name.split("/")[0]!.endsWith("istio.io");
}
