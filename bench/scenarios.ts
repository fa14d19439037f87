// The data-plane scenarios of issue #8. Fixed-rate rows (open loop, `mast load`) give latency
// below the knee; maximum-rate rows give throughput and CPU per request; wrk and h2load rows
// check `mast load` against the usual closed-loop tools.

import { type Ports, serviceHost } from "./lib/configs.ts";
import { h2load, type Measurement, mastLoad, tcpStream, wrk } from "./lib/generators.ts";

export interface MeasureArgs {
  readonly cpus: string;
  readonly ports: Ports;
  readonly durationSec: number;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  /** Systems that run it in a full run, and in --quick. */
  readonly systems: readonly string[];
  readonly quickSystems: readonly string[];
  /** A tool that must be installed (besides `mast load`). */
  readonly tool?: string;
  /** Synthetic services of config each proxy carries for this scenario (default 0). */
  readonly services?: number;
  /** Listener the warm-up and the run use. */
  readonly protocol: keyof Ports;
  measure(a: MeasureArgs): Promise<Measurement>;
}

const url = (port: number, path = "/") => `http://127.0.0.1:${port}${path}`;
const ONE = ["direct", "mast", "haproxy", "nginx"];
const ALL = [...ONE, "mast-pair", "haproxy-pair"];

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "http1-1k-rate1000",
    title: "HTTP/1.1 keep-alive, 1 KiB, 1,000 rps, 16 conns (mast load, open loop)",
    systems: ALL,
    quickSystems: ALL,
    protocol: "http1",
    measure: (a) =>
      mastLoad(a.cpus, url(a.ports.http1), ["-qps", "1000", "-c", "16"], a.durationSec),
  },
  {
    name: "http1-1k-rate5000",
    title: "HTTP/1.1 keep-alive, 1 KiB, 5,000 rps, 16 conns (mast load, open loop)",
    systems: ALL,
    quickSystems: [],
    protocol: "http1",
    measure: (a) =>
      mastLoad(a.cpus, url(a.ports.http1), ["-qps", "5000", "-c", "16"], a.durationSec),
  },
  {
    name: "http1-1k-max",
    title: "HTTP/1.1 keep-alive, 1 KiB, maximum rate, 16 conns (mast load)",
    systems: ALL,
    quickSystems: ONE,
    protocol: "http1",
    measure: (a) => mastLoad(a.cpus, url(a.ports.http1), ["-qps", "0", "-c", "16"], a.durationSec),
  },
  {
    name: "http1-1k-max-wrk",
    title: "HTTP/1.1 keep-alive, 1 KiB, maximum rate, 16 conns (wrk -t1, check on mast load)",
    systems: ONE,
    quickSystems: ["direct"],
    tool: "wrk",
    protocol: "http1",
    measure: (a) => wrk(a.cpus, url(a.ports.http1), 16, a.durationSec),
  },
  {
    name: "h2-1k-max-h2load",
    title: "HTTP/2 cleartext, 1 KiB, maximum rate, 4 conns x 16 streams (h2load)",
    systems: ONE,
    quickSystems: ONE,
    tool: "h2load",
    protocol: "h2",
    measure: (a) => h2load(a.cpus, url(a.ports.h2), 4, 16, a.durationSec),
  },
  {
    name: "h2-1k-max",
    title:
      "HTTP/2 cleartext, 1 KiB, maximum rate, 4 conns x 16 streams (mast load, check on h2load)",
    systems: ONE,
    quickSystems: ["direct"],
    protocol: "h2",
    measure: (a) =>
      mastLoad(
        a.cpus,
        url(a.ports.h2),
        ["--h2", "-qps", "0", "-c", "4", "-m", "16"],
        a.durationSec,
      ),
  },
  {
    name: "h2-1k-rate1000",
    title: "HTTP/2 cleartext, 1 KiB, 1,000 rps, 4 conns x 4 streams (mast load)",
    systems: ONE,
    quickSystems: [],
    protocol: "h2",
    measure: (a) =>
      mastLoad(
        a.cpus,
        url(a.ports.h2),
        ["--h2", "-qps", "1000", "-c", "4", "-m", "4"],
        a.durationSec,
      ),
  },
  {
    name: "grpc-rate1000",
    title: "gRPC unary, 100-byte message, 1,000 rps, 4 conns x 4 streams (mast load)",
    systems: ONE,
    quickSystems: ONE,
    protocol: "grpc",
    measure: (a) =>
      mastLoad(
        a.cpus,
        url(a.ports.grpc),
        ["--grpc", "--payload-size", "100", "-qps", "1000", "-c", "4", "-m", "4"],
        a.durationSec,
      ),
  },
  {
    name: "grpc-max",
    title: "gRPC unary, 100-byte message, maximum rate, 4 conns x 16 streams (mast load)",
    systems: ONE,
    quickSystems: [],
    protocol: "grpc",
    measure: (a) =>
      mastLoad(
        a.cpus,
        url(a.ports.grpc),
        ["--grpc", "--payload-size", "100", "-qps", "0", "-c", "4", "-m", "16"],
        a.durationSec,
      ),
  },
  {
    name: "tcp-stream",
    title: "TCP stream throughput, 4 conns (rps column = MiB/s, CPU per 1,000 MiB)",
    systems: [...ONE, "mast-pair", "haproxy-pair"],
    quickSystems: ONE,
    protocol: "tcp",
    measure: (a) => tcpStream(a.cpus, a.ports.tcp, 4, a.durationSec),
  },
  {
    name: "http1-newconn-max",
    title: "HTTP/1.1, a new connection per request, maximum rate, 8 conns (mast load)",
    systems: ONE,
    quickSystems: ONE,
    protocol: "http1",
    measure: (a) =>
      mastLoad(
        a.cpus,
        url(a.ports.http1),
        ["--no-keepalive", "-qps", "0", "-c", "8"],
        a.durationSec,
      ),
  },
  {
    name: "http1-newconn-rate1000",
    title: "HTTP/1.1, a new connection per request, 1,000 rps, 8 conns (mast load)",
    systems: ONE,
    quickSystems: [],
    protocol: "http1",
    measure: (a) =>
      mastLoad(
        a.cpus,
        url(a.ports.http1),
        ["--no-keepalive", "-qps", "1000", "-c", "8"],
        a.durationSec,
      ),
  },

  ...[100, 1000].map(
    (services): Scenario => ({
      name: `http1-1k-rate1000-svc${services}`,
      title: `HTTP/1.1 keep-alive, 1 KiB, 1,000 rps, 16 conns, to one of ${services} services of config (10 endpoints each)`,
      systems: ["direct", "mast", "haproxy", "nginx"],
      quickSystems: services === 1000 ? ["mast", "haproxy"] : [],
      services,
      protocol: "http1",
      measure: (a) =>
        mastLoad(
          a.cpus,
          url(a.ports.http1),
          ["-qps", "1000", "-c", "16", "-H", `Host: ${serviceHost(services / 2)}`],
          a.durationSec,
        ),
    }),
  ),
];
