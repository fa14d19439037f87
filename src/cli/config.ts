// `mast apply`, `mast delete` and `mast get`: config of the local mesh, kept in $MAST_HOME.
// Every apply is validated whole first: one bad object rejects the apply and changes nothing.

import { type Command, Option } from "commander";
import { stringify } from "yaml";
import { type Diagnostic, formatDiagnostic } from "../api/diagnostic.ts";
import { lookupKind } from "../api/kinds.ts";
import { type Resource, resourceKey, toManifest } from "../api/resource.ts";
import { validateObject } from "../api/validate.ts";
import { readInputs } from "../config/read.ts";
import { compareResources } from "../config/store.ts";
import { applyToConfigDir, deleteFromConfigDir, readConfigDir } from "../runtime/config-dir.ts";
import { ensureHome, mastHome } from "../runtime/home.ts";
import { configChanges } from "../runtime/live.ts";
import { UsageError } from "./usage.ts";
import { formatProxyChanges } from "./xds-diff.ts";

interface FileFlags {
  readonly filename: string[];
  readonly namespace?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Reads and validates every input; namespace-less objects get `-n` or `default`, as kubectl. */
function loadValid(flags: FileFlags): { resources: Resource[]; errors: Diagnostic[] } {
  if (flags.filename.length === 0) throw new UsageError("give at least one -f <file|dir|->");
  const { objects, problems } = readInputs(flags.filename);
  const errors = [...problems];
  const resources: Resource[] = [];
  for (const obj of objects) {
    const meta = obj.body.metadata;
    if (meta && typeof meta === "object" && !Array.isArray(meta)) {
      const m = meta as Record<string, unknown>;
      if (!m.namespace) obj.body.metadata = { ...m, namespace: flags.namespace ?? "default" };
      else if (flags.namespace && m.namespace !== flags.namespace) {
        errors.push({
          level: "error",
          path: "metadata.namespace",
          message: `the namespace "${m.namespace}" does not match the namespace given with -n "${flags.namespace}"`,
          origin: obj.origin,
        });
        continue;
      }
    }
    const { resource, diagnostics } = validateObject(obj);
    errors.push(...diagnostics.filter((d) => d.level === "error"));
    if (resource) resources.push(resource);
  }
  return { resources, errors };
}

const display = (r: Resource) =>
  `${r.kind.kind.toLowerCase()}.${r.kind.group || "v1"}/${r.metadata.name}`;

export function registerConfig(program: Command): void {
  program
    .command("apply")
    .description("validate config and apply it to the local mesh (all or nothing)")
    .option("-f, --filename <path>", "file, directory or - for stdin (repeatable)", collect, [])
    .option("-n, --namespace <ns>", "namespace for objects that name none")
    .option(
      "--dry-run",
      "validate, then show which proxies would change and how (an xDS diff); nothing is applied",
    )
    .action((flags: FileFlags & { dryRun?: boolean }) => {
      const { resources, errors } = loadValid(flags);
      if (errors.length > 0) {
        for (const d of errors) process.stderr.write(`${formatDiagnostic(d)}\n`);
        process.stderr.write("apply rejected: nothing was changed\n");
        process.exitCode = 1;
        return;
      }
      const home = ensureHome(mastHome());
      if (flags.dryRun) {
        const current = readConfigDir(home.config);
        for (const r of resources) {
          const key = resourceKey(r.kind.id, r.metadata.namespace, r.metadata.name);
          const verb = current.has(key) ? "configured" : "created";
          process.stdout.write(`${display(r)} ${verb} (dry run)\n`);
        }
        process.stdout.write(`\n${formatProxyChanges(configChanges(home, { apply: resources }))}`);
        return;
      }
      const outcomes = applyToConfigDir(home.config, resources);
      resources.forEach((r, i) => {
        process.stdout.write(`${display(r)} ${outcomes[i]}\n`);
      });
    });

  program
    .command("delete")
    .description("delete config from the local mesh: -f <files> or <kind> <name>")
    .option("-f, --filename <path>", "file, directory or - for stdin (repeatable)", collect, [])
    .option("-n, --namespace <ns>", "namespace", undefined)
    .option(
      "--dry-run",
      "show which proxies would change and how (an xDS diff); nothing is deleted",
    )
    .argument("[kind]", "kind, such as virtualservice or vs")
    .argument("[names...]", "names of the objects to delete")
    .action(
      (kindName: string | undefined, names: string[], flags: FileFlags & { dryRun?: boolean }) => {
        const home = ensureHome(mastHome());
        const targets: { kindId: string; namespace?: string; name: string; label: string }[] = [];
        if (flags.filename.length > 0) {
          const { resources, errors } = loadValid(flags);
          if (errors.length > 0) {
            for (const d of errors) process.stderr.write(`${formatDiagnostic(d)}\n`);
            process.exitCode = 1;
            return;
          }
          for (const r of resources) {
            const { kind, metadata } = r;
            targets.push({
              kindId: kind.id,
              namespace: metadata.namespace,
              name: metadata.name,
              label: display(r),
            });
          }
        } else {
          if (!kindName || names.length === 0)
            throw new UsageError("delete: give -f <file> or <kind> <name>...");
          const kind = lookupKind(kindName);
          if (!kind) throw new UsageError(`delete: unknown kind "${kindName}"`);
          const namespace = kind.namespaced ? (flags.namespace ?? "default") : undefined;
          for (const name of names) {
            targets.push({
              kindId: kind.id,
              namespace,
              name,
              label: `${kind.kind.toLowerCase()}.${kind.group || "v1"}/${name}`,
            });
          }
        }
        if (flags.dryRun) {
          const current = readConfigDir(home.config);
          const keys = targets.map((t) => resourceKey(t.kindId, t.namespace, t.name));
          targets.forEach((t, i) => {
            if (current.has(keys[i]!)) process.stdout.write(`${t.label} deleted (dry run)\n`);
            else {
              process.stderr.write(`Error: ${t.label} not found\n`);
              process.exitCode = 1;
            }
          });
          const remove = keys.filter((k) => current.has(k));
          process.stdout.write(`\n${formatProxyChanges(configChanges(home, { remove }))}`);
          return;
        }
        for (const t of targets) {
          if (deleteFromConfigDir(home.config, t)) process.stdout.write(`${t.label} deleted\n`);
          else {
            process.stderr.write(`Error: ${t.label} not found\n`);
            process.exitCode = 1;
          }
        }
      },
    );

  program
    .command("get")
    .description("list config of the local mesh")
    .argument("<kind>", "kind, such as virtualservices, vs, dr, gateway")
    .argument("[name]", "one object's name")
    .option("-n, --namespace <ns>", "namespace", "default")
    .option("-A, --all-namespaces", "every namespace")
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["table", "yaml", "json"])
        .default("table"),
    )
    .action(
      (
        kindName: string,
        name: string | undefined,
        flags: { namespace: string; allNamespaces?: boolean; output: string },
      ) => {
        const kind = lookupKind(kindName);
        if (!kind) throw new UsageError(`get: unknown kind "${kindName}"`);
        const home = mastHome();
        const items = [...readConfigDir(home.config).values()]
          .filter((r) => r.kind.id === kind.id)
          .filter(
            (r) =>
              flags.allNamespaces || !kind.namespaced || r.metadata.namespace === flags.namespace,
          )
          .filter((r) => name === undefined || r.metadata.name === name)
          .sort(compareResources);
        if (name !== undefined && items.length === 0) {
          process.stderr.write(`Error: ${kind.kind} "${name}" not found\n`);
          process.exitCode = 1;
          return;
        }
        if (flags.output === "json") {
          const docs = items.map(toManifest);
          const out = name ? docs[0] : { apiVersion: "v1", kind: "List", items: docs };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        } else if (flags.output === "yaml") {
          process.stdout.write(
            items.map((r) => stringify(toManifest(r), { lineWidth: 0 })).join("---\n"),
          );
        } else if (items.length === 0) {
          process.stderr.write(
            `No resources found${flags.allNamespaces ? "" : ` in ${flags.namespace} namespace`}.\n`,
          );
        } else {
          process.stdout.write(table(items, Boolean(flags.allNamespaces && kind.namespaced)));
        }
      },
    );
}

function table(items: readonly Resource[], withNamespace: boolean): string {
  const rows = items.map((r) => [
    ...(withNamespace ? [r.metadata.namespace ?? ""] : []),
    r.metadata.name,
  ]);
  const header = [...(withNamespace ? ["NAMESPACE"] : []), "NAME"];
  return formatTable([header, ...rows]);
}

/** Left-aligned columns separated by three spaces, as kubectl and istioctl print them. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join(""),
    )
    .join("\n")
    .concat("\n");
}
