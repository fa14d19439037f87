// Envoy durations in JSON form ("1.5s", "0s") as milliseconds, with Envoy's meaning of absent.

/** Milliseconds of a "1.500s" duration; `fallback` when absent. */
export function parseDurationMs(d: string | undefined, fallback: number): number {
  if (d === undefined) return fallback;
  const m = /^(-)?(\d+)(?:\.(\d+))?s$/.exec(d);
  if (!m) throw new Error(`invalid duration ${JSON.stringify(d)}`);
  const ms = Number(m[2]) * 1000 + Number(`0.${m[3] ?? "0"}`) * 1000;
  return m[1] ? -ms : ms;
}
