// The nat rules Istio's istio-iptables (the init container / CNI) installs in a pod, REDIRECT
// mode: inbound TCP to 15006 except the proxy's own ports, outbound TCP to 15001 except the
// proxy's (uid/gid 1337) and loopback traffic, inbound-cluster traffic from 127.0.0.6 left alone,
// and DNS (udp/tcp 53) to the DNS proxy on 15053. Built as iptables-restore input, per family.

import { nsExec } from "./netns.ts";

export const PROXY_UID = 1337;
export const PROXY_GID = 1337;

export interface CaptureConfig {
  readonly inboundCapturePort: number;
  readonly outboundCapturePort: number;
  /** Inbound ports never captured (Istio: 15090, 15021, 15020, plus the annotation's list). */
  readonly excludeInboundPorts: readonly number[];
  /** The DNS proxy's port; undefined leaves DNS alone. */
  readonly dnsPort?: number;
}

export const ISTIO_CAPTURE: CaptureConfig = {
  inboundCapturePort: 15006,
  outboundCapturePort: 15001,
  excludeInboundPorts: [15008, 15090, 15021, 15020],
  dnsPort: 15053,
};

/** iptables-restore input for the nat table; `family` 6 uses the IPv6 loopbacks. */
export function captureRules(c: CaptureConfig, family: 4 | 6): string {
  const localhost = family === 4 ? "127.0.0.1/32" : "::1/128";
  const inboundSource = family === 4 ? "127.0.0.6/32" : "::6/128";
  const owner = (m: "uid" | "gid", negate = false) =>
    `-m owner ${negate ? "! " : ""}--${m}-owner ${m === "uid" ? PROXY_UID : PROXY_GID}`;
  const lines = [
    "*nat",
    ":ISTIO_INBOUND - [0:0]",
    ":ISTIO_IN_REDIRECT - [0:0]",
    ":ISTIO_OUTPUT - [0:0]",
    ":ISTIO_REDIRECT - [0:0]",
    "-A PREROUTING -p tcp -j ISTIO_INBOUND",
    ...c.excludeInboundPorts.map((p) => `-A ISTIO_INBOUND -p tcp --dport ${p} -j RETURN`),
    "-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT",
    `-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports ${c.inboundCapturePort}`,
    "-A OUTPUT -p tcp -j ISTIO_OUTPUT",
  ];
  if (c.dnsPort) {
    // The proxy's own upstream DNS queries leave; the application's go to the DNS proxy.
    for (const m of ["uid", "gid"] as const)
      lines.push(`-A OUTPUT -p udp --dport 53 ${owner(m)} -j RETURN`);
    lines.push(`-A OUTPUT -p udp --dport 53 -j REDIRECT --to-ports ${c.dnsPort}`);
  }
  lines.push(
    // the inbound clusters' connections to the application (upstream_bind_config 127.0.0.6)
    `-A ISTIO_OUTPUT -s ${inboundSource} -o lo -j RETURN`,
  );
  for (const m of ["uid", "gid"] as const) {
    lines.push(
      // the proxy calling its own pod's address (a service that resolves to itself): inbound
      `-A ISTIO_OUTPUT ! -d ${localhost} -o lo -p tcp -m tcp ! --dport 15008 ${owner(m)} -j ISTIO_IN_REDIRECT`,
      `-A ISTIO_OUTPUT -o lo ${owner(m, true)} -j RETURN`,
    );
    lines.push(`-A ISTIO_OUTPUT ${owner(m)} -j RETURN`);
  }
  if (c.dnsPort)
    lines.push(`-A ISTIO_OUTPUT -p tcp --dport 53 -j REDIRECT --to-ports ${c.dnsPort}`);
  lines.push(
    `-A ISTIO_OUTPUT -d ${localhost} -j RETURN`,
    "-A ISTIO_OUTPUT -j ISTIO_REDIRECT",
    `-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports ${c.outboundCapturePort}`,
    "COMMIT",
    "",
  );
  return lines.join("\n");
}

/**
 * Installs the rules for both families in a namespace (which must have no nat rules yet), and
 * ::6 on loopback: the IPv6 twin of 127.0.0.6 that inbound clusters bind.
 */
export function installCapture(ns: string, c: CaptureConfig = ISTIO_CAPTURE): void {
  nsExec(ns, ["ip", "-6", "addr", "add", "::6/128", "dev", "lo", "nodad"]);
  nsExec(ns, ["iptables-restore", "--noflush"], captureRules(c, 4));
  nsExec(ns, ["ip6tables-restore", "--noflush"], captureRules(c, 6));
}
