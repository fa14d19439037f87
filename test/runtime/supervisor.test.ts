import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Supervisor } from "../../src/runtime/supervisor.ts";

function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > deadline) return reject(new Error("condition not met in time"));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe("Supervisor", () => {
  const dir = mkdtempSync(join(tmpdir(), "mast-sup-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("logs to a file, restarts a killed process and stops it by PID", async () => {
    const sup = new Supervisor({ logDir: dir, pidDir: dir, backoffMs: 10 });
    const script = "console.log('hello from', process.pid); setInterval(() => {}, 1000)";
    sup.start({ name: "app", command: process.execPath, args: ["-e", script], env: {} });
    try {
      await waitFor(() => readFileSync(join(dir, "app.log"), "utf8").includes("hello from"));
      const first = sup.pid("app")!;
      assert.equal(readFileSync(join(dir, "app.pid"), "utf8").trim(), String(first));
      process.kill(first, "SIGKILL");
      await waitFor(() => sup.pid("app") !== first && sup.restarts("app") === 1);
      await waitFor(
        () => readFileSync(join(dir, "app.log"), "utf8").split("hello from").length === 3,
      );
    } finally {
      await sup.stopAll();
    }
    assert.equal(existsSync(join(dir, "app.pid")), false);
  });
});
