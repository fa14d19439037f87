// A slot is one place a request can be in flight: an HTTP/1.1 connection, or one stream of an
// HTTP/2 connection. The run loop hands due requests to idle slots.

export interface Outcome {
  /** Status as reported: "200", "503", "grpc 0", "grpc 14"; "" when there was no response. */
  readonly code: string;
  /** Why the request failed: connect, reset, timeout, protocol, status, grpc; absent on success. */
  readonly error?: string;
  /** Response body bytes received. */
  readonly bytes: number;
}

export type Done = (outcome: Outcome) => void;

export interface Slot {
  /** Sends one request; `done` is called exactly once. */
  send(done: Done): void;
  /** Fails the request in flight (if any) with `reason` and drops the connection. */
  abort(reason: string): void;
  close(): void;
}

/** Non-2xx/3xx answers count as errors, as in fortio and wrk. */
export function statusOutcome(status: number, bytes: number): Outcome {
  const code = String(status);
  return status >= 200 && status < 400 ? { code, bytes } : { code, error: "status", bytes };
}
