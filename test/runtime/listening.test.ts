// The readiness probe `mast up` waits on: a listening socket in the kernel's table of the
// process's network namespace, on the app's address or the wildcard.

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { listening } from "../../src/runtime/listening.ts";

function listen(host: string): Promise<net.Server> {
  const server = net.createServer();
  return new Promise((resolve) => server.listen(0, host, () => resolve(server)));
}
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;

test("finds a listener on the app's address, the IPv4 wildcard and the IPv6 wildcard", async () => {
  for (const host of ["127.0.0.1", "0.0.0.0", "::"]) {
    const server = await listen(host);
    const port = portOf(server);
    assert.ok(listening(process.pid, "127.0.0.1", port), host);
    server.close();
    await new Promise((r) => server.once("close", r));
    assert.ok(!listening(process.pid, "127.0.0.1", port), `${host} closed`);
  }
});

test("a listener on another address or a connected socket is not the app's", async () => {
  const server = await listen("127.0.0.2");
  const port = portOf(server);
  assert.ok(!listening(process.pid, "127.0.0.1", port));
  assert.ok(listening(process.pid, "127.0.0.2", port));
  const client = net.connect(port, "127.0.0.2");
  await new Promise((r) => client.once("connect", r));
  assert.ok(
    !listening(process.pid, "127.0.0.1", client.localPort ?? 0),
    "an ephemeral client port",
  );
  client.destroy();
  server.close();
  assert.ok(!listening(999_999_999, "127.0.0.1", port), "no such process");
});
