// `mast analyze [files|dirs...]`: Istio's configuration analyzers over config files, with
// istioctl's output formats, thresholds and exit codes (79 when issues reach the threshold).

import { type Command, Option } from "commander";
import { stringify } from "yaml";
import type { AnalysisMessage, Analyzer } from "../analysis/analyzer.ts";
import { analyzeFiles, type FileAnalysis, MeshFileError } from "../analysis/files.ts";
import { levelRank, type MessageLevel, parseLevel } from "../analysis/messages.ts";
import { ANALYZERS, defaultAnalyzers, findAnalyzer } from "../analysis/registry.ts";
import { formatDiagnostic } from "../api/diagnostic.ts";
import type { RawObject } from "../api/parse.ts";
import { toManifest } from "../api/resource.ts";
import { mastHome } from "../runtime/home.ts";
import { liveResources } from "../runtime/live.ts";
import { readState } from "../runtime/state.ts";
import { UsageError } from "./usage.ts";

/** istioctl's exit code when analysis finds issues at or above the failure threshold. */
export const ANALYZER_FOUND_ISSUES = 79;

interface AnalyzeOptions {
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly analyzer: string[];
  readonly meshConfig?: string;
  readonly meshNetworks?: string;
  readonly cluster: string[];
  readonly suppress: string[];
  readonly output: "log" | "json" | "yaml";
  readonly failureThreshold: string;
  readonly outputThreshold: string;
  readonly listAnalyzers?: boolean;
  readonly useKube: boolean;
}

export function registerAnalyze(program: Command): void {
  program
    .command("analyze")
    .description("analyze Istio configuration and report problems, as istioctl analyze does")
    .argument("[paths...]", "files or directories of config (- for stdin)")
    .option("-n, --namespace <ns>", "namespace for resources that do not set one")
    .option("-A, --all-namespaces", "analyze all namespaces (the default for files)")
    .option("--analyzer <name>", "run only this analyzer (repeatable)", collect, [])
    .option("--mesh-config <file>", "MeshConfig file replacing the default mesh config")
    .option("--mesh-networks <file>", "MeshNetworks file")
    .option(
      "--cluster <id=path>",
      "config of another cluster for multi-cluster analysis; the paths given as arguments are cluster1 (repeatable)",
      collect,
      [],
    )
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["log", "json", "yaml"])
        .default("log"),
    )
    .option("--failure-threshold <level>", "lowest level that fails (Info|Warning|Error)", "Error")
    .option("--output-threshold <level>", "lowest level printed (Info|Warning|Error)", "Info")
    .option(
      "-S, --suppress <code=resource>",
      'suppress messages, e.g. "IST0102=Namespace frod" or "IST0107=Pod *" (repeatable)',
      collect,
      [],
    )
    .option("-L, --list-analyzers", "list the analyzers and exit")
    .option(
      "--use-kube [bool]",
      "analyze the running mesh of $MAST_HOME with the files (--use-kube=false: the files alone)",
      parseBool,
      true,
    )
    .action((paths: string[], opts: AnalyzeOptions) => {
      process.exitCode = runAnalyze(paths, opts);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseBool(value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new UsageError(`analyze: --use-kube must be true or false, not "${value}"`);
}

/** The running mesh's objects, as `istioctl analyze` reads them from the cluster. */
function liveObjects(): RawObject[] | undefined {
  const home = mastHome();
  if (!readState(home)) return undefined;
  return [...liveResources(home).values()].map((r, doc) => ({
    body: toManifest(r),
    origin: { doc },
  }));
}

function threshold(flag: string, value: string): MessageLevel {
  const level = parseLevel(value);
  if (!level)
    throw new UsageError(`analyze: ${flag} must be Info, Warning or Error, not "${value}"`);
  return level;
}

function chosenAnalyzers(names: readonly string[]): Analyzer[] {
  if (names.length === 0) return defaultAnalyzers();
  return names.map((n) => {
    const a = findAnalyzer(n);
    if (!a) throw new UsageError(`analyze: unknown analyzer "${n}" (see --list-analyzers)`);
    return a;
  });
}

export function runAnalyze(paths: readonly string[], opts: AnalyzeOptions): number {
  if (opts.listAnalyzers) {
    for (const a of ANALYZERS) {
      const extra = a.defaultSet === false ? " (not in the default set)" : "";
      process.stdout.write(`${a.name}: ${a.description}${extra}\n`);
    }
    return 0;
  }
  if (opts.namespace && opts.allNamespaces) {
    throw new UsageError("analyze: --namespace and --all-namespaces are mutually exclusive");
  }
  const failAt = threshold("--failure-threshold", opts.failureThreshold);
  const printAt = threshold("--output-threshold", opts.outputThreshold);
  // With several clusters, the default set includes the multi-cluster analyzers (as istioctl
  // runs them when given remote contexts).
  const analyzers =
    opts.analyzer.length === 0 && opts.cluster.length > 0
      ? [
          ...defaultAnalyzers(),
          ...ANALYZERS.filter((a) => a.name.startsWith("services.MultiCluster")),
        ]
      : chosenAnalyzers(opts.analyzer);
  const live = opts.useKube ? liveObjects() : undefined;
  if (paths.length === 0 && !live)
    throw new UsageError(
      "analyze: give at least one file or directory (or run `mast up`: the running mesh is then analyzed)",
    );
  // Against a running mesh, as against a cluster, the default scope is the default namespace.
  const namespace = live && !opts.allNamespaces ? (opts.namespace ?? "default") : opts.namespace;
  const clusters = new Map<string, string[]>();
  for (const spec of opts.cluster) {
    const eq = spec.indexOf("=");
    if (eq <= 0 || eq === spec.length - 1) {
      throw new UsageError(`analyze: --cluster wants <id>=<file|dir>, not "${spec}"`);
    }
    const id = spec.slice(0, eq);
    clusters.set(id, [...(clusters.get(id) ?? []), spec.slice(eq + 1)]);
  }
  let result: FileAnalysis;
  try {
    result = analyzeFiles(paths, {
      analyzers,
      namespace: opts.allNamespaces ? undefined : namespace,
      live,
      meshConfigFile: opts.meshConfig,
      meshNetworksFile: opts.meshNetworks,
      clusters: [...clusters].map(([id, inputs]) => ({ id, inputs })),
    });
  } catch (err) {
    if (!(err instanceof MeshFileError)) throw err;
    process.stderr.write(`Error: ${err.message}\n`);
    return 1;
  }
  // Unreadable inputs are reported and skipped; the rest is still analyzed.
  for (const p of result.problems) process.stderr.write(`${formatDiagnostic(p)}\n`);
  const suppressions = opts.suppress.map(parseSuppression);
  // With -n, only that namespace's findings (and cluster-scoped ones) are shown, as istioctl does.
  const inScope = (m: AnalysisMessage) => !namespace || !m.namespace || m.namespace === namespace;
  const messages = sortMessages(
    result.messages.filter((m) => inScope(m) && !suppressions.some((s) => s(m))),
  );
  const shown = messages.filter((m) => levelRank(m.level) >= levelRank(printAt));
  writeMessages(shown, opts.output, namespace);
  const failed = messages.some((m) => levelRank(m.level) >= levelRank(failAt));
  if (failed && opts.output === "log") {
    const where = namespace ? `namespace: ${namespace}` : "all namespaces";
    process.stderr.write(
      `Error: Analyzers found issues when analyzing ${where}.\nSee https://istio.io/latest/docs/reference/config/analysis for more information about causes and resolutions.\n`,
    );
  }
  return failed ? ANALYZER_FOUND_ISSUES : 0;
}

/** `CODE=Kind name` with `*` wildcards, as istioctl's --suppress; bad specs are usage errors. */
function parseSuppression(spec: string): (m: AnalysisMessage) => boolean {
  const eq = spec.indexOf("=");
  if (eq <= 0) throw new UsageError(`analyze: --suppress wants <code>=<Kind name>, not "${spec}"`);
  const glob = (p: string) =>
    new RegExp(
      `^${p
        .split("*")
        .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
    );
  const code = glob(spec.slice(0, eq).trim());
  const resource = glob(spec.slice(eq + 1).trim());
  // Both spellings of a resource match: `Pod ns/name` and istioctl's older `Pod name.ns`.
  return (m) => {
    if (!code.test(m.code)) return false;
    const legacy = m.namespace
      ? m.origin.replace(`${m.namespace}/`, "") + `.${m.namespace}`
      : m.origin;
    return resource.test(m.origin) || resource.test(legacy);
  };
}

function sortMessages(messages: readonly AnalysisMessage[]): AnalysisMessage[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...messages].sort(
    (a, b) => cmp(a.origin, b.origin) || cmp(a.code, b.code) || cmp(a.message, b.message),
  );
}

/** `Warning [IST0101] (VirtualService default/reviews x.yaml:12) Referenced host not found: …` */
export function formatLog(m: AnalysisMessage): string {
  const where = m.reference ? `${m.origin} ${m.reference}` : m.origin;
  return `${m.level} [${m.code}] (${where}) ${m.message}`;
}

function writeMessages(messages: readonly AnalysisMessage[], output: string, ns?: string): void {
  if (output === "log") {
    for (const m of messages) process.stdout.write(`${formatLog(m)}\n`);
    if (messages.length === 0) {
      const where = ns ? `namespace: ${ns}` : "all namespaces";
      process.stderr.write(`\u2714 No validation issues found when analyzing ${where}.\n`);
    }
    return;
  }
  const items = messages.map((m) => ({
    code: m.code,
    level: m.level,
    type: m.type,
    origin: m.origin,
    message: m.message,
    reference: m.reference ?? "",
    documentationUrl: m.documentationUrl,
  }));
  process.stdout.write(
    output === "json" ? `${JSON.stringify(items, null, 2)}\n` : stringify(items),
  );
}
