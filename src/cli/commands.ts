// Every command group of the CLI, loaded on demand: `mast version` must not pay for gRPC and
// the proxy. Each group lists the command names it registers on the root program.

import type { Command } from "commander";

export interface CommandGroup {
  readonly names: readonly string[];
  readonly load: () => Promise<(program: Command) => void>;
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { names: ["pilot"], load: async () => (await import("./pilot.ts")).registerPilot },
  { names: ["proxy"], load: async () => (await import("./proxy.ts")).registerProxy },
  { names: ["analyze"], load: async () => (await import("./analyze.ts")).registerAnalyze },
  {
    names: ["apply", "delete", "get"],
    load: async () => (await import("./config.ts")).registerConfig,
  },
  { names: ["validate"], load: async () => (await import("./validate.ts")).registerValidate },
  { names: ["load"], load: async () => (await import("./load.ts")).registerLoad },
  { names: ["up", "down", "logs"], load: async () => (await import("./up.ts")).registerUp },
  {
    names: ["proxy-status", "proxy-config"],
    load: async () => (await import("./mesh-ops.ts")).registerMeshOps,
  },
  {
    names: ["x", "experimental"],
    load: async () => (await import("./experimental.ts")).registerExperimental,
  },
  { names: ["version"], load: async () => (await import("./version-cmd.ts")).registerVersion },
];

/** The groups needed for `argv`: the named command's group, or all of them (help, errors). */
export function groupsFor(argv: readonly string[]): readonly CommandGroup[] {
  const first = argv.find((a) => !a.startsWith("-"));
  const group = COMMAND_GROUPS.find((g) => first !== undefined && g.names.includes(first));
  return group ? [group] : COMMAND_GROUPS;
}
