// WasmPlugin semantics (istio ValidateWasmPlugin): targeting, url scheme, sha256, pull secret and
// plugin name lengths, VM env (unique names, value only for INLINE), match ports.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { WasmPluginSpec } from "../types/extensions.ts";
import { checkPolicyTargeting, errs } from "./common.ts";

const SCHEMES = new Set(["", "file", "http", "https", "oci"]);

export function validateWasmPluginURL(url: string | undefined): string | undefined {
  if (!url) return "url field needs to be set";
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  const scheme = m ? m[1].toLowerCase() : "";
  if (!SCHEMES.has(scheme)) return `url contains unsupported scheme: ${scheme}`;
  const rest = m ? url.slice(m[0].length) : url;
  const badEscape = /%(?![0-9a-fA-F]{2})(.{0,2})/.exec(rest);
  if (badEscape)
    return `failed to parse url: parse "${url}": invalid URL escape "%${badEscape[1]}"`;
  if ([...rest].some((c) => c.charCodeAt(0) <= 0x20) || (scheme !== "file" && rest === "")) {
    return `failed to parse url: parse "${url}": invalid URL`;
  }
  return undefined;
}

export function validateWasmPlugin(r: Resource<WasmPluginSpec>, report: Report): void {
  const w = r.spec;
  checkPolicyTargeting(w, report);
  errs(report, "spec.url", validateWasmPluginURL(w.url));
  if (w.sha256) {
    if (w.sha256.length !== 64)
      report.error("spec.sha256", "sha256 field must be 64 characters long");
    else if (!/^[a-f0-9]{64}$/.test(w.sha256))
      report.error("spec.sha256", "sha256 field must match [a-f0-9]{64} pattern");
  }
  if ((w.imagePullSecret?.length ?? 0) > 253) {
    report.error(
      "spec.imagePullSecret",
      "imagePullSecret field must be less than 253 characters long",
    );
  }
  if ((w.pluginName?.length ?? 0) > 256)
    report.error("spec.pluginName", "pluginName field must be less than 255 characters long");
  const names = new Set<string>();
  w.vmConfig?.env?.forEach((env, i) => {
    const p = `spec.vmConfig.env[${i}]`;
    if (!env) return;
    if (!env.name) {
      report.error(`${p}.name`, "spec.vmConfig.env invalid");
      return;
    }
    if (env.name.length > 256)
      report.error(`${p}.name`, "env.name field must be less than 255 characters long");
    if (names.has(env.name)) report.error(`${p}.name`, "duplicate env");
    names.add(env.name);
    if ((env.valueFrom ?? "INLINE") === "HOST" && env.value) {
      report.error(`${p}.value`, "value may only be set when valueFrom is INLINE");
    }
  });
  w.match?.forEach((m, i) => {
    m?.ports?.forEach((port, j) => {
      const n = port?.number ?? 0;
      if (n <= 0 || n > 65535) {
        report.error(
          `spec.match[${i}].ports[${j}].number`,
          `spec.Match[${i}].Ports[${j}] is out of range: ${n}`,
        );
      }
    });
  });
}
