// The parts of Envoy's v3 resources (in Envoy's JSON form, see src/envoy/json.ts) that the proxy
// reads. Resources are normalized before they get here, so durations are "1.5s" strings, wrappers
// plain values and nested typed configs {"@type": ...}.

import type { JsonObject } from "../envoy/index.ts";

export interface TypedConfig extends JsonObject {
  "@type": string;
}

export interface SocketAddress {
  address?: string;
  port_value?: number;
  protocol?: string;
}

export interface Address {
  socket_address?: SocketAddress;
  pipe?: { path?: string };
}

export interface ConfigSource {
  ads?: JsonObject;
  path?: string;
  resource_api_version?: string;
  initial_fetch_timeout?: string;
}

export interface NamedTyped {
  name?: string;
  typed_config?: TypedConfig;
  is_optional?: boolean;
  disabled?: boolean;
  config_discovery?: JsonObject;
}

export interface CidrRange {
  address_prefix?: string;
  prefix_len?: number;
}

export interface FilterChainMatch {
  destination_port?: number;
  prefix_ranges?: CidrRange[];
  direct_source_prefix_ranges?: CidrRange[];
  source_type?: string;
  source_prefix_ranges?: CidrRange[];
  source_ports?: number[];
  server_names?: string[];
  transport_protocol?: string;
  application_protocols?: string[];
}

export interface TransportSocket {
  name?: string;
  typed_config?: TypedConfig;
}

export interface FilterChain {
  name?: string;
  filter_chain_match?: FilterChainMatch;
  filters?: NamedTyped[];
  transport_socket?: TransportSocket;
  transport_socket_connect_timeout?: string;
}

export interface Listener {
  name?: string;
  address?: Address;
  additional_addresses?: { address?: Address }[];
  filter_chains?: FilterChain[];
  default_filter_chain?: FilterChain;
  listener_filters?: NamedTyped[];
  listener_filters_timeout?: string;
  continue_on_listener_filters_timeout?: boolean;
  use_original_dst?: boolean;
  bind_to_port?: boolean;
  traffic_direction?: string;
  drain_type?: string;
  per_connection_buffer_limit_bytes?: number;
}

export interface LbEndpoint {
  endpoint?: { address?: Address; hostname?: string; health_check_config?: JsonObject };
  health_status?: string;
  load_balancing_weight?: number;
  metadata?: JsonObject;
}

export interface LocalityLbEndpoints {
  locality?: { region?: string; zone?: string; sub_zone?: string };
  lb_endpoints?: LbEndpoint[];
  load_balancing_weight?: number;
  priority?: number;
}

export interface ClusterLoadAssignment {
  cluster_name?: string;
  endpoints?: LocalityLbEndpoints[];
  policy?: { overprovisioning_factor?: number };
}

export interface Thresholds {
  priority?: string;
  max_connections?: number;
  max_pending_requests?: number;
  max_requests?: number;
  max_retries?: number;
}

export interface OutlierDetection {
  consecutive_5xx?: number;
  consecutive_gateway_failure?: number;
  consecutive_local_origin_failure?: number;
  enforcing_consecutive_5xx?: number;
  enforcing_consecutive_gateway_failure?: number;
  enforcing_consecutive_local_origin_failure?: number;
  split_external_local_origin_errors?: boolean;
  interval?: string;
  base_ejection_time?: string;
  max_ejection_time?: string;
  max_ejection_percent?: number;
}

export interface HealthCheck {
  timeout?: string;
  interval?: string;
  unhealthy_threshold?: number;
  healthy_threshold?: number;
  no_traffic_interval?: string;
  http_health_check?: {
    host?: string;
    path?: string;
    expected_statuses?: { start?: string; end?: string }[];
    request_headers_to_add?: HeaderValueOption[];
  };
  tcp_health_check?: { send?: { text?: string }; receive?: { text?: string }[] };
}

export interface Cluster {
  name?: string;
  type?: string;
  cluster_type?: { name?: string; typed_config?: TypedConfig };
  eds_cluster_config?: { eds_config?: ConfigSource; service_name?: string };
  connect_timeout?: string;
  lb_policy?: string;
  load_assignment?: ClusterLoadAssignment;
  dns_refresh_rate?: string;
  dns_lookup_family?: string;
  circuit_breakers?: { thresholds?: Thresholds[] };
  http2_protocol_options?: JsonObject;
  typed_extension_protocol_options?: Record<string, TypedConfig>;
  transport_socket?: TransportSocket;
  transport_socket_matches?: JsonObject[];
  common_lb_config?: {
    healthy_panic_threshold?: { value?: number };
    locality_weighted_lb_config?: JsonObject;
  };
  ring_hash_lb_config?: { minimum_ring_size?: string; maximum_ring_size?: string };
  maglev_lb_config?: { table_size?: string };
  least_request_lb_config?: { choice_count?: number };
  outlier_detection?: OutlierDetection;
  health_checks?: HealthCheck[];
  max_requests_per_connection?: number;
  per_connection_buffer_limit_bytes?: number;
  metadata?: JsonObject;
  original_dst_lb_config?: {
    use_http_header?: boolean;
    http_header_name?: string;
    upstream_port_override?: number;
  };
  cleanup_interval?: string;
  upstream_bind_config?: {
    source_address?: SocketAddress;
    extra_source_addresses?: { address?: SocketAddress }[];
    additional_source_addresses?: SocketAddress[];
  };
}

export interface StringMatcher {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safe_regex?: { regex?: string };
  ignore_case?: boolean;
}

export interface HeaderMatcher {
  name?: string;
  exact_match?: string;
  safe_regex_match?: { regex?: string };
  range_match?: { start?: number; end?: number };
  present_match?: boolean;
  prefix_match?: string;
  suffix_match?: string;
  contains_match?: string;
  string_match?: StringMatcher;
  invert_match?: boolean;
  treat_missing_header_as_empty?: boolean;
}

export interface QueryParameterMatcher {
  name?: string;
  string_match?: StringMatcher;
  present_match?: boolean;
}

export interface RouteMatch {
  prefix?: string;
  path?: string;
  safe_regex?: { regex?: string };
  path_separated_prefix?: string;
  connect_matcher?: JsonObject;
  case_sensitive?: boolean;
  headers?: HeaderMatcher[];
  query_parameters?: QueryParameterMatcher[];
  grpc?: JsonObject;
}

export interface HeaderValueOption {
  header?: { key?: string; value?: string; raw_value?: string };
  append?: boolean;
  append_action?: string;
  keep_empty_value?: boolean;
}

export interface WeightedCluster {
  name?: string;
  weight?: number;
  request_headers_to_add?: HeaderValueOption[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: HeaderValueOption[];
  response_headers_to_remove?: string[];
  host_rewrite_literal?: string;
  typed_per_filter_config?: Record<string, TypedConfig>;
}

export interface RetryPolicy {
  retry_on?: string;
  num_retries?: number;
  per_try_timeout?: string;
  retriable_status_codes?: number[];
  retriable_headers?: HeaderMatcher[];
  retry_back_off?: { base_interval?: string; max_interval?: string };
  retry_host_predicate?: NamedTyped[];
  host_selection_retry_max_attempts?: string;
}

export interface HashPolicy {
  header?: { header_name?: string };
  cookie?: { name?: string; ttl?: string; path?: string };
  connection_properties?: { source_ip?: boolean };
  query_parameter?: { name?: string };
  filter_state?: JsonObject;
  terminal?: boolean;
}

export interface RuntimeFractionalPercent {
  default_value?: { numerator?: number; denominator?: string };
  runtime_key?: string;
}

export interface RouteAction {
  cluster?: string;
  cluster_header?: string;
  weighted_clusters?: { clusters?: WeightedCluster[]; total_weight?: number };
  cluster_not_found_response_code?: string;
  prefix_rewrite?: string;
  regex_rewrite?: { pattern?: { regex?: string }; substitution?: string };
  host_rewrite_literal?: string;
  auto_host_rewrite?: boolean;
  host_rewrite_header?: string;
  timeout?: string;
  idle_timeout?: string;
  retry_policy?: RetryPolicy;
  request_mirror_policies?: {
    cluster?: string;
    runtime_fraction?: RuntimeFractionalPercent;
    disable_shadow_host_suffix_append?: boolean;
  }[];
  hash_policy?: HashPolicy[];
  cors?: JsonObject;
  upgrade_configs?: { upgrade_type?: string; enabled?: boolean }[];
  max_stream_duration?: JsonObject;
}

export interface RedirectAction {
  https_redirect?: boolean;
  scheme_redirect?: string;
  host_redirect?: string;
  port_redirect?: number;
  path_redirect?: string;
  prefix_rewrite?: string;
  regex_rewrite?: { pattern?: { regex?: string }; substitution?: string };
  response_code?: string;
  strip_query?: boolean;
}

export interface Route {
  name?: string;
  match?: RouteMatch;
  route?: RouteAction;
  redirect?: RedirectAction;
  direct_response?: { status?: number; body?: { inline_string?: string; inline_bytes?: string } };
  non_forwarding_action?: JsonObject;
  decorator?: { operation?: string };
  request_headers_to_add?: HeaderValueOption[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: HeaderValueOption[];
  response_headers_to_remove?: string[];
  typed_per_filter_config?: Record<string, TypedConfig>;
  metadata?: JsonObject;
  per_request_buffer_limit_bytes?: number;
}

export interface VirtualHost {
  name?: string;
  domains?: string[];
  routes?: Route[];
  require_tls?: string;
  request_headers_to_add?: HeaderValueOption[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: HeaderValueOption[];
  response_headers_to_remove?: string[];
  typed_per_filter_config?: Record<string, TypedConfig>;
  cors?: JsonObject;
  include_request_attempt_count?: boolean;
  include_attempt_count_in_response?: boolean;
  retry_policy?: RetryPolicy;
  per_request_buffer_limit_bytes?: number;
}

export interface RouteConfiguration {
  name?: string;
  virtual_hosts?: VirtualHost[];
  request_headers_to_add?: HeaderValueOption[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: HeaderValueOption[];
  response_headers_to_remove?: string[];
  validate_clusters?: boolean;
  ignore_port_in_host_matching?: boolean;
}

export interface Secret {
  name?: string;
  tls_certificate?: {
    certificate_chain?: DataSource;
    private_key?: DataSource;
  };
  validation_context?: { trusted_ca?: DataSource; match_typed_subject_alt_names?: JsonObject[] };
}

export interface DataSource {
  filename?: string;
  inline_string?: string;
  inline_bytes?: string;
}

export interface Bootstrap {
  node?: JsonObject & { id?: string; cluster?: string };
  static_resources?: {
    listeners?: Listener[];
    clusters?: Cluster[];
    secrets?: Secret[];
  };
  dynamic_resources?: {
    lds_config?: ConfigSource;
    cds_config?: ConfigSource;
    ads_config?: {
      api_type?: string;
      transport_api_version?: string;
      grpc_services?: {
        envoy_grpc?: {
          cluster_name?: string;
          /** The ADS stream's reconnection backoff (Envoy: base 500 ms, max 30 s when unset). */
          retry_policy?: { retry_back_off?: { base_interval?: string; max_interval?: string } };
        };
        timeout?: string;
      }[];
      set_node_on_first_message_only?: boolean;
    };
  };
  admin?: { address?: Address; access_log?: NamedTyped[] };
}
