// /config_dump in Envoy's ConfigDump shape: Bootstrap, Clusters, Listeners, Routes, Secrets (and
// Endpoints with ?include_eds), each with version_info and last_updated, and error_state for the
// last rejected update of a resource.

import { type JsonObject, TYPE_URL } from "../../envoy/index.ts";
import type { ProxyServer } from "../proxy.ts";
import type { ResourceEntry } from "../resources.ts";

const withType = (url: string, r: JsonObject): JsonObject => ({ "@type": url, ...r });

function dynamicEntry(e: ResourceEntry, key: string, url: string): JsonObject {
  return {
    version_info: e.versionInfo,
    [key]: withType(url, e.resource),
    last_updated: e.lastUpdated,
  };
}

function staticEntry(e: ResourceEntry, key: string, url: string): JsonObject {
  return { [key]: withType(url, e.resource), last_updated: e.lastUpdated };
}

export function configDump(p: ProxyServer, includeEds: boolean): JsonObject {
  const r = p.resources;
  const clusters = r.list("cluster");
  const listeners = r.list("listener");
  const routes = r.list("route");
  const secrets = r.list("secret");
  const configs: JsonObject[] = [
    {
      "@type": TYPE_URL.BOOTSTRAP_CONFIG_DUMP,
      bootstrap: p.bootstrap as JsonObject,
      last_updated: p.startTime.toISOString(),
    },
    {
      "@type": TYPE_URL.CLUSTERS_CONFIG_DUMP,
      version_info: r.versions.get("cluster") ?? "",
      static_clusters: clusters
        .filter((e) => e.isStatic)
        .map((e) => staticEntry(e, "cluster", TYPE_URL.CLUSTER)),
      dynamic_active_clusters: clusters
        .filter((e) => !e.isStatic)
        .map((e) => dynamicEntry(e, "cluster", TYPE_URL.CLUSTER)),
    },
    {
      "@type": TYPE_URL.LISTENERS_CONFIG_DUMP,
      version_info: r.versions.get("listener") ?? "",
      static_listeners: listeners
        .filter((e) => e.isStatic)
        .map((e) => staticEntry(e, "listener", TYPE_URL.LISTENER)),
      dynamic_listeners: [
        ...listeners
          .filter((e) => !e.isStatic)
          .map((e) => {
            const err = r.error("listener", e.name);
            const out: JsonObject = {
              name: e.name,
              active_state: dynamicEntry(e, "listener", TYPE_URL.LISTENER),
            };
            if (err)
              out.error_state = {
                failed_configuration: withType(TYPE_URL.LISTENER, err.failedConfiguration),
                last_update_attempt: err.lastUpdateAttempt,
                details: err.details,
              };
            return out;
          }),
        ...r
          .errorsOf("listener")
          .filter(([n]) => !r.get("listener", n))
          .map(([name, err]) => ({
            name,
            error_state: {
              failed_configuration: withType(TYPE_URL.LISTENER, err.failedConfiguration),
              last_update_attempt: err.lastUpdateAttempt,
              details: err.details,
            },
          })),
      ],
    },
    {
      "@type": TYPE_URL.ROUTES_CONFIG_DUMP,
      static_route_configs: [],
      dynamic_route_configs: routes.map((e) =>
        dynamicEntry(e, "route_config", TYPE_URL.ROUTE_CONFIGURATION),
      ),
    },
    {
      "@type": TYPE_URL.SECRETS_CONFIG_DUMP,
      static_secrets: secrets
        .filter((e) => e.isStatic)
        .map((e) => ({
          name: e.name,
          last_updated: e.lastUpdated,
          secret: withType(TYPE_URL.SECRET, redact(e.resource)),
        })),
      dynamic_active_secrets: secrets
        .filter((e) => !e.isStatic)
        .map((e) => ({
          name: e.name,
          version_info: e.versionInfo,
          last_updated: e.lastUpdated,
          secret: withType(TYPE_URL.SECRET, redact(e.resource)),
        })),
    },
  ];
  if (includeEds) {
    configs.push({
      "@type": TYPE_URL.ENDPOINTS_CONFIG_DUMP,
      dynamic_endpoint_configs: r.list("endpoint").map((e) => ({
        version_info: e.versionInfo,
        endpoint_config: withType(TYPE_URL.CLUSTER_LOAD_ASSIGNMENT, e.resource),
        last_updated: e.lastUpdated,
      })),
    });
  }
  return { configs };
}

// Envoy prints private keys as "[redacted]".
function redact(secret: JsonObject): JsonObject {
  const tc = secret.tls_certificate as JsonObject | undefined;
  if (!tc?.private_key) return secret;
  return { ...secret, tls_certificate: { ...tc, private_key: { inline_string: "[redacted]" } } };
}
