// Benchmark client for TCP stream throughput: opens CONNS connections to HOST:PORT, reads for
// SECONDS after a short warm-up and prints {bytes, seconds, errors} as JSON. Usage: HOST PORT CONNS SECONDS.

import { connect } from "node:net";

const [host, portText, connsText, secondsText] = process.argv.slice(2);
const conns = Number(connsText);
const seconds = Number(secondsText);
let counting = false;
let bytes = 0;
let errors = 0;
const sockets = Array.from({ length: conns }, () => {
  const s = connect({ host, port: Number(portText) });
  s.on("data", (c: Buffer) => {
    if (counting) bytes += c.length;
  });
  s.on("error", () => errors++);
  return s;
});
setTimeout(() => {
  counting = true;
  const t0 = process.hrtime.bigint();
  setTimeout(() => {
    counting = false;
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    for (const s of sockets) s.destroy();
    process.stdout.write(`${JSON.stringify({ bytes, seconds: elapsed, errors })}\n`);
  }, seconds * 1000);
}, 500);
