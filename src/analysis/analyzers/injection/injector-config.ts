// The sidecar injector ConfigMap (`istio-sidecar-injector[-<rev>]`): its `values` JSON holds the
// proxy image and webhook settings the injection analyzers compare against.

import type { Resource } from "../../../api/resource.ts";
import { type Obj, obj, str } from "../../util/fields.ts";

export const INJECTOR_CONFIGMAP = "istio-sidecar-injector";

export function injectorConfigMapName(revision: string): string {
  return revision === "" || revision === "default"
    ? INJECTOR_CONFIGMAP
    : `${INJECTOR_CONFIGMAP}-${revision}`;
}

export function injectorValues(cm: Resource): Obj {
  try {
    return obj(JSON.parse(str(obj(cm.spec.data).values)));
  } catch {
    return {};
  }
}

/** The proxy image the injector would use: `proxy.image` when it is a full name, else hub/image:tag. */
export function injectorProxyImage(cm: Resource): string {
  const global = obj(injectorValues(cm).global);
  const image = str(obj(global.proxy).image);
  if (image.includes("/")) return image;
  return `${str(global.hub)}/${image}:${str(global.tag)}`;
}
