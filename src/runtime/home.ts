// The state directory of a local mesh: `~/.mast`, or `$MAST_HOME`, so that several meshes (and
// tests) run side by side. Applied config, logs, pids and address assignments live here.

import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface MastHome {
  readonly root: string;
  /** Applied config, one YAML file per resource; the control plane watches it. */
  readonly config: string;
  /** The cluster `mast up` runs (Services, Deployments, Pods), rewritten on each start. */
  readonly cluster: string;
  readonly logs: string;
  /** Pid files of running processes, for `mast down`. */
  readonly run: string;
  /** The mesh's saved state (address block, ports). */
  readonly stateFile: string;
}

export function mastHome(env: NodeJS.ProcessEnv = process.env): MastHome {
  const root = resolve(env.MAST_HOME || join(homedir(), ".mast"));
  return {
    root,
    config: join(root, "config"),
    cluster: join(root, "cluster"),
    logs: join(root, "logs"),
    run: join(root, "run"),
    stateFile: join(root, "state.json"),
  };
}

export function ensureHome(home: MastHome): MastHome {
  for (const dir of [home.root, home.config, home.logs, home.run])
    mkdirSync(dir, { recursive: true });
  return home;
}
