// The saved state of one local mesh: its loopback block 127.B.0.0/16, picked from a hash of
// MAST_HOME so parallel meshes rarely collide, probed free, and kept in state.json so that a
// second `mast up` reuses the same addresses.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import net from "node:net";
import type { MastHome } from "./home.ts";

export interface MeshState {
  readonly block: number;
}

/** Where the control plane listens inside the block (istiod's "pod"). */
export function pilotIP(block: number): string {
  return `127.${block}.0.253`;
}

/** The ingress gateway's pod IP. */
export function gatewayIP(block: number): string {
  return `127.${block}.0.254`;
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export function readState(home: MastHome): MeshState | undefined {
  if (!existsSync(home.stateFile)) return undefined;
  try {
    const s = JSON.parse(readFileSync(home.stateFile, "utf8")) as Partial<MeshState>;
    return typeof s.block === "number" ? { block: s.block } : undefined;
  } catch {
    return undefined;
  }
}

/** The saved state, or a new block whose control-plane address is free (then saved). */
export async function loadOrCreateState(home: MastHome): Promise<MeshState> {
  const saved = readState(home);
  if (saved) return saved;
  const hash = createHash("sha256").update(home.root).digest().readUInt16BE(0);
  // Blocks 2..254: 127.0.x and 127.1.x are left to everything else on the machine.
  for (let i = 0; i < 253; i++) {
    const block = 2 + ((hash + i) % 253);
    if (!(await portFree(pilotIP(block), 15010))) continue;
    if (!(await portFree(gatewayIP(block), 8080))) continue;
    const state = { block };
    const tmp = `${home.stateFile}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, home.stateFile);
    return state;
  }
  throw new Error("no free loopback block 127.B.0.0/16 for the mesh");
}
