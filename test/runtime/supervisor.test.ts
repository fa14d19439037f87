import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Supervisor } from "../../src/runtime/supervisor.ts";
import { alive, startProcess } from "../helpers/process.ts";

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
  it("children die with a SIGKILLed supervisor (parent-death signal), whatever they run", async () => {
    const script = join(dir, "supervise.ts");
    const url = new URL("../../src/runtime/supervisor.ts", import.meta.url).href;
    writeFileSync(
      script,
      `import { Supervisor } from ${JSON.stringify(url)};
const sup = new Supervisor({ logDir: ${JSON.stringify(dir)}, pidDir: ${JSON.stringify(dir)} });
sup.start({ name: "a", command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"], env: {} });
sup.start({ name: "b", command: "sleep", args: ["600"], env: {} });
setTimeout(() => console.log("pids", sup.pid("a"), sup.pid("b")), 200);
setInterval(() => {}, 1000);
`,
    );
    const parent = await startProcess(process.execPath, [script], { ready: /pids (\d+) (\d+)/ });
    const children = [Number(parent.match[1]), Number(parent.match[2])];
    try {
      assert.ok(children.every(alive), "children run");
      process.kill(parent.child.pid!, "SIGKILL");
      await waitFor(() => !children.some(alive), 5_000);
    } finally {
      for (const pid of children) if (alive(pid)) process.kill(pid, "SIGKILL");
      await parent.stop();
    }
  });
});
