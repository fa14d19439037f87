// EnvoyFilter patches of listeners, as istio core/envoyfilter/listener_patch.go applies them:
// LISTENER (MERGE, REMOVE, ADD), LISTENER_FILTER, FILTER_CHAIN (MERGE, REMOVE, ADD), NETWORK_FILTER
// and HTTP_FILTER (MERGE, REMOVE, ADD, INSERT_*, REPLACE), matched by listener name and port,
// filter chain name/SNI/transport/ALPN/destination port, filter and sub-filter names. Inline
// route configurations (inbound HTTP) take ROUTE_CONFIGURATION..HTTP_ROUTE patches first.

import type { PatchContext } from "../../../api/types/envoy-filter.ts";
import { messageNameOf } from "../../../envoy/index.ts";
import type { ConfigPatch, ProxyPatches } from "../../../model/envoy-filters.ts";
import type { MeshProxy } from "../../../model/proxy.ts";
import { type Json, VIRTUAL_INBOUND, VIRTUAL_OUTBOUND } from "../common.ts";
import {
  addContextMatches,
  contextMatches,
  copyJson,
  guarded,
  insertOrReplace,
  mergeChecked,
  type ProblemSink,
  patchValue,
  sidecarOrGateway,
} from "./common.ts";
import { mergeInto } from "./merge.ts";
import { patchRouteConfiguration } from "./route-patch.ts";

const HCM = "envoy.filters.network.http_connection_manager";
const LISTENER = "envoy.config.listener.v3.Listener";
const FILTER_CHAIN = "envoy.config.listener.v3.FilterChain";
const LISTENER_FILTER = "envoy.config.listener.v3.ListenerFilter";

const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

export function listenerContext(proxy: MeshProxy, l: Json): PatchContext {
  return sidecarOrGateway(
    proxy,
    l.traffic_direction === "INBOUND" || l.name === VIRTUAL_INBOUND
      ? "SIDECAR_INBOUND"
      : "SIDECAR_OUTBOUND",
  );
}

function isVirtual(l: Json): boolean {
  return l.name === VIRTUAL_INBOUND || l.name === VIRTUAL_OUTBOUND;
}

function listenerMatch(l: Json, p: ConfigPatch): boolean {
  const m = p.match.listener;
  if (!m) return true;
  if (m.name && m.name !== l.name) return false;
  // Inside the capture listeners the port is matched on the filter chain's destination port.
  if (p.applyTo !== "LISTENER" && isVirtual(l)) return true;
  const port = (l.address as Json | undefined)?.socket_address as Json | undefined;
  if (m.portNumber && port?.port_value !== m.portNumber) return false;
  if (m.listenerFilter && !arr(l.listener_filters).some((f) => f.name === m.listenerFilter))
    return false;
  return true;
}

function filterChainMatch(l: Json, fc: Json, p: ConfigPatch): boolean {
  const lm = p.match.listener;
  if (!lm) return true;
  const fcm = (fc.filter_chain_match ?? {}) as Json;
  if (isVirtual(l) && lm.portNumber && fcm.destination_port !== lm.portNumber) return false;
  const m = lm.filterChain;
  if (!m) return true;
  if (m.name && m.name !== fc.name) return false;
  if (m.sni && !((fcm.server_names as string[] | undefined) ?? []).includes(m.sni)) return false;
  if (m.transportProtocol && fcm.transport_protocol !== m.transportProtocol) return false;
  if (m.applicationProtocols) {
    const have = (fcm.application_protocols as string[] | undefined) ?? [];
    if (!m.applicationProtocols.split(",").every((a) => have.includes(a))) return false;
  }
  if (m.destinationPort && fcm.destination_port !== m.destinationPort) return false;
  return true;
}

const filterMatchOf = (p: ConfigPatch) => p.match.listener?.filterChain?.filter;
const networkFilterMatch = (f: Json, p: ConfigPatch) =>
  !filterMatchOf(p) || filterMatchOf(p)?.name === f.name;
const subFilterOf = (p: ConfigPatch) => filterMatchOf(p)?.subFilter;
const httpFilterMatch = (f: Json, p: ConfigPatch) =>
  !subFilterOf(p) || subFilterOf(p)?.name === f.name;

class ListenerPatcher {
  readonly #patches: ProxyPatches;
  readonly #ctx: PatchContext;
  readonly #report: ProblemSink;

  constructor(patches: ProxyPatches, ctx: PatchContext, report: ProblemSink) {
    this.#patches = patches;
    this.#ctx = ctx;
    this.#report = report;
  }

  #of(applyTo: ConfigPatch["applyTo"]): readonly ConfigPatch[] {
    return (this.#patches.get(applyTo) ?? []).filter((p) => contextMatches(this.#ctx, p));
  }

  /** The patched listener, or undefined when a patch removes it. */
  listener(l: Json): Json | undefined {
    this.#inlineRoutes(l);
    for (const p of this.#of("LISTENER")) {
      if (!listenerMatch(l, p)) continue;
      if (p.operation === "REMOVE") return undefined;
      if (p.operation === "MERGE") guarded(p, this.#report, () => mergeChecked(LISTENER, l, p));
    }
    this.#listenerFilters(l);
    const chains: Json[] = [];
    for (const fc of arr(l.filter_chains)) {
      const patched = this.#filterChain(l, fc);
      if (patched) chains.push(patched);
    }
    if (l.default_filter_chain) {
      const patched = this.#filterChain(l, l.default_filter_chain as Json);
      if (!patched) delete l.default_filter_chain;
    }
    for (const p of this.#of("FILTER_CHAIN")) {
      if (p.operation === "ADD" && listenerMatch(l, p)) chains.push(patchValue(p));
    }
    l.filter_chains = chains;
    return l;
  }

  #listenerFilters(l: Json): void {
    let filters = arr(l.listener_filters);
    for (const p of this.#of("LISTENER_FILTER")) {
      if (!listenerMatch(l, p)) continue;
      const named = p.match.listener?.listenerFilter;
      const matches = (f: Json) => !named || f.name === named;
      if (p.operation === "REMOVE") filters = filters.filter((f) => !matches(f));
      else if (p.operation === "MERGE") {
        for (const f of filters)
          if (matches(f)) guarded(p, this.#report, () => mergeChecked(LISTENER_FILTER, f, p));
      } else filters = insertOrReplace(filters, p, named !== undefined, matches);
    }
    if (filters.length || l.listener_filters) l.listener_filters = filters;
  }

  #filterChain(l: Json, fc: Json): Json | undefined {
    for (const p of this.#of("FILTER_CHAIN")) {
      if (!listenerMatch(l, p) || !filterChainMatch(l, fc, p)) continue;
      if (p.operation === "REMOVE") return undefined;
      if (p.operation === "MERGE")
        guarded(p, this.#report, () => mergeChecked(FILTER_CHAIN, fc, p));
    }
    let filters = arr(fc.filters);
    for (const p of this.#of("NETWORK_FILTER")) {
      if (!listenerMatch(l, p) || !filterChainMatch(l, fc, p)) continue;
      filters = insertOrReplace(filters, p, filterMatchOf(p) !== undefined, (f) =>
        networkFilterMatch(f, p),
      );
    }
    const kept: Json[] = [];
    for (const f of filters) if (this.#networkFilter(l, fc, f)) kept.push(f);
    fc.filters = kept;
    return fc;
  }

  /** MERGE and REMOVE of one network filter; the HCM's HTTP filters are patched after. */
  #networkFilter(l: Json, fc: Json, f: Json): boolean {
    for (const p of this.#of("NETWORK_FILTER")) {
      if (!listenerMatch(l, p) || !filterChainMatch(l, fc, p) || !networkFilterMatch(f, p))
        continue;
      if (p.operation === "REMOVE") return false;
      if (p.operation === "MERGE") guarded(p, this.#report, () => mergeFilter(f, p));
    }
    if (f.name === HCM) this.#httpFilters(l, fc, f);
    return true;
  }

  #httpFilters(l: Json, fc: Json, hcmFilter: Json): void {
    const hcm = hcmFilter.typed_config as Json | undefined;
    if (!hcm) return;
    const applies = (p: ConfigPatch) =>
      listenerMatch(l, p) && filterChainMatch(l, fc, p) && networkFilterMatch(hcmFilter, p);
    let filters = arr(hcm.http_filters);
    for (const p of this.#of("HTTP_FILTER")) {
      if (!applies(p)) continue;
      filters = insertOrReplace(filters, p, subFilterOf(p) !== undefined, (f) =>
        httpFilterMatch(f, p),
      );
    }
    const kept: Json[] = [];
    for (const f of filters) {
      let removed = false;
      for (const p of this.#of("HTTP_FILTER")) {
        if (!applies(p) || !httpFilterMatch(f, p)) continue;
        if (p.operation === "REMOVE") removed = true;
        else if (p.operation === "MERGE") guarded(p, this.#report, () => mergeFilter(f, p));
        if (removed) break;
      }
      if (!removed) kept.push(f);
    }
    hcm.http_filters = kept;
  }

  /** Route configurations inline in HTTP connection managers (inbound) are patched first. */
  #inlineRoutes(l: Json): void {
    for (const fc of [...arr(l.filter_chains), l.default_filter_chain as Json | undefined]) {
      for (const f of arr(fc?.filters)) {
        const hcm = f.typed_config as Json | undefined;
        if (f.name !== HCM || !hcm?.route_config) continue;
        hcm.route_config = patchRouteConfiguration(
          this.#patches,
          this.#ctx,
          hcm.route_config as Json,
          this.#report,
        );
      }
    }
  }
}

/**
 * MERGE of a network or HTTP filter (istio patchNetworkFilter/patchHTTPFilter): the patch may
 * rename it, and its typed_config merges into the existing one as the existing type (Istio
 * takes the existing type URL). A filter without typed_config is left alone, as in Istio.
 */
function mergeFilter(f: Json, p: ConfigPatch): void {
  const current = f.typed_config as Json | undefined;
  if (!current) return;
  const cfg = p.value.typed_config as Json | undefined;
  const next = copyJson(current);
  if (cfg) {
    const { "@type": _userType, ...fields } = cfg;
    mergeInto(messageNameOf(String(current["@type"])), next, fields);
  }
  if (p.value.name) f.name = p.value.name;
  f.typed_config = next;
}

/** Applies LISTENER..HTTP_FILTER patches to a proxy's listeners; ADDed listeners come last. */
export function patchListeners(
  proxy: MeshProxy,
  patches: ProxyPatches,
  listeners: readonly Json[],
  report: ProblemSink,
): Json[] {
  const out: Json[] = [];
  for (const l of listeners) {
    const ctx = listenerContext(proxy, l);
    const patched = new ListenerPatcher(patches, ctx, report).listener(copyJson(l));
    if (patched) out.push(patched);
  }
  const adds = (patches.get("LISTENER") ?? []).filter((p) => p.operation === "ADD");
  const contexts: PatchContext[] =
    proxy.type === "router" ? ["GATEWAY"] : ["SIDECAR_INBOUND", "SIDECAR_OUTBOUND"];
  for (const p of adds) {
    if (contexts.some((c) => addContextMatches(c, p))) out.push(patchValue(p));
  }
  return out;
}
