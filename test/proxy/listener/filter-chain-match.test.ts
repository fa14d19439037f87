// Envoy's filter chain selection order, table-driven: destination port before SNI, exact SNI
// before wildcard, specific chains before ones that leave a criterion unset, default chain last.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { FilterChain } from "../../../src/proxy/config-types.ts";
import {
  type ConnectionFacts,
  selectFilterChain,
} from "../../../src/proxy/listener/filter-chain-match.ts";

const chains: FilterChain[] = [
  { name: "port-9080", filter_chain_match: { destination_port: 9080 } },
  {
    name: "sni-exact",
    filter_chain_match: { server_names: ["api.example.com"], transport_protocol: "tls" },
  },
  {
    name: "sni-wild",
    filter_chain_match: { server_names: ["*.example.com"], transport_protocol: "tls" },
  },
  { name: "tls-any", filter_chain_match: { transport_protocol: "tls" } },
  { name: "h2c", filter_chain_match: { application_protocols: ["h2c"] } },
  {
    name: "net-10",
    filter_chain_match: { prefix_ranges: [{ address_prefix: "10.0.0.0", prefix_len: 8 }] },
  },
  {
    name: "net-10-1",
    filter_chain_match: { prefix_ranges: [{ address_prefix: "10.1.0.0", prefix_len: 16 }] },
  },
  { name: "plain", filter_chain_match: {} },
];
const def: FilterChain = { name: "default" };

const base: ConnectionFacts = {
  destinationIp: "192.168.0.1",
  destinationPort: 80,
  sourceIp: "192.168.0.2",
  sourcePort: 5555,
  transportProtocol: "raw_buffer",
  applicationProtocols: [],
};

const cases: [string, Partial<ConnectionFacts>, string | undefined][] = [
  [
    "destination port wins first",
    { destinationPort: 9080, serverName: "api.example.com", transportProtocol: "tls" },
    "port-9080",
  ],
  ["exact SNI", { serverName: "api.example.com", transportProtocol: "tls" }, "sni-exact"],
  ["wildcard SNI", { serverName: "www.example.com", transportProtocol: "tls" }, "sni-wild"],
  ["TLS without a matching SNI", { serverName: "other.org", transportProtocol: "tls" }, "tls-any"],
  ["ALPN h2c", { applicationProtocols: ["h2c"] }, "h2c"],
  ["longest destination prefix", { destinationIp: "10.1.2.3" }, "net-10-1"],
  ["shorter destination prefix", { destinationIp: "10.9.2.3" }, "net-10"],
  ["nothing specific", {}, "plain"],
];

for (const [name, facts, want] of cases) {
  test(`filter chain match: ${name}`, () => {
    assert.equal(selectFilterChain(chains, def, { ...base, ...facts })?.name, want);
  });
}

test("filter chain match: falls back to the default chain", () => {
  const only = [{ name: "p", filter_chain_match: { destination_port: 1 } }];
  assert.equal(selectFilterChain(only, def, base)?.name, "default");
  assert.equal(selectFilterChain(only, undefined, base), undefined);
});
