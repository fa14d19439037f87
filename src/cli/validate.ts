// `mast validate -f <file|dir|->...`: Istio's webhook validation, offline.

import { type Command, Option } from "commander";
import { type Diagnostic, formatDiagnostic, originText } from "../api/diagnostic.ts";
import { validateObject } from "../api/validate.ts";
import { readInputs } from "../config/read.ts";
import { UsageError } from "./usage.ts";

interface ValidateOptions {
  readonly filename: string[];
  readonly output: "text" | "json";
}

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("validate Istio and Kubernetes config as Istio's webhook would")
    .option("-f, --filename <path>", "file, directory or - for stdin (repeatable)", collect, [])
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["text", "json"])
        .default("text"),
    )
    .argument("[paths...]", "more files or directories")
    .action((paths: string[], opts: ValidateOptions) => {
      const inputs = [...opts.filename, ...paths];
      if (inputs.length === 0) throw new UsageError("validate: give at least one -f <file|dir|->");
      process.exitCode = runValidate(inputs, opts.output);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function runValidate(inputs: readonly string[], output: "text" | "json"): number {
  const { objects, problems } = readInputs(inputs);
  const diagnostics: Diagnostic[] = [...problems];
  let valid = 0;
  for (const obj of objects) {
    const result = validateObject(obj);
    diagnostics.push(...result.diagnostics);
    if (result.resource) valid++;
  }
  const errors = diagnostics.filter((d) => d.level === "error").length;
  if (output === "json") {
    const items = diagnostics.map((d) => ({ ...d, origin: originText(d.origin) }));
    const summary = { valid, invalid: objects.length - valid, diagnostics: items };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    for (const d of diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
    const invalid = objects.length - valid;
    process.stdout.write(
      `${valid} valid, ${invalid} invalid${problems.length ? `, ${problems.length} unreadable` : ""}\n`,
    );
  }
  return errors > 0 ? 1 : 0;
}
