// Every command group of the CLI; each file registers its commands on the root program.

import type { Command } from "commander";
import { registerAnalyze } from "./analyze.ts";
import { registerConfig } from "./config.ts";
import { registerLoad } from "./load.ts";
import { registerPilot } from "./pilot.ts";
import { registerProxy } from "./proxy.ts";
import { registerValidate } from "./validate.ts";
import { registerVersion } from "./version-cmd.ts";

export const COMMANDS: readonly ((program: Command) => void)[] = [
  registerPilot,
  registerAnalyze,
  registerConfig,
  registerLoad,
  registerProxy,
  registerValidate,
  registerVersion,
];
