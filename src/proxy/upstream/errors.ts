// Classifies upstream failures the way Envoy reports them: connect failures (UF), resets after
// connecting (UC), overflow (UO), timeouts (UT), each with Envoy's reset reason text.

import type { ResponseFlag } from "../../telemetry/response-flags.ts";

export class UpstreamError extends Error {
  readonly flag: ResponseFlag;
  readonly reason: string;
  readonly headersSent: boolean;
  constructor(flag: ResponseFlag, reason: string, message: string, headersSent = false) {
    super(message);
    this.flag = flag;
    this.reason = reason;
    this.headersSent = headersSent;
  }
}

const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_HAS_EXPIRED",
]);

/** Maps a Node/undici error to Envoy's flag and reset reason. */
export function classifyUpstreamError(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code ?? "";
  const msg = e?.message ?? String(err);
  if (CONNECT_CODES.has(code) || /connect|certificate|self.signed/i.test(code)) {
    const reason = /CERT|SSL|TLS/.test(code)
      ? "connection failure, transport failure reason: TLS error"
      : "connection failure";
    return new UpstreamError("UF", reason, msg);
  }
  if (
    code === "ECONNRESET" ||
    code === "UND_ERR_SOCKET" ||
    code === "EPIPE" ||
    code === "ERR_HTTP2_STREAM_ERROR" ||
    code === "ERR_HTTP2_SESSION_ERROR"
  ) {
    return new UpstreamError("UC", "connection termination", msg);
  }
  return new UpstreamError("UC", "connection termination", msg);
}

/** Envoy's local reply body for an upstream failure before response headers. */
export function resetBody(reason: string): string {
  return `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`;
}
