// The analyzer contract: a named pure function over a Snapshot that reports catalogue messages
// against resources. The Context collects what analyzers report; nothing else leaves them.

import { originText } from "../api/diagnostic.ts";
import type { Origin, Resource } from "../api/resource.ts";
import { catalogue, formatTemplate, type MessageCatalogue, type MessageLevel } from "./messages.ts";
import type { Snapshot } from "./snapshot.ts";

export interface Analyzer {
  /** Istio's name, e.g. `virtualservice.DestinationHostAnalyzer`. */
  readonly name: string;
  readonly description: string;
  /** Kind ids read; analysis of config lacking all of them can be skipped. */
  readonly inputs: readonly string[];
  /** False for analyzers outside istioctl's default set (they run only when named). */
  readonly defaultSet?: boolean;
  analyze(ctx: Context): void;
}

export interface AnalysisMessage {
  readonly code: string;
  readonly level: MessageLevel;
  /** Message type name, e.g. `ReferencedResourceNotFound`. */
  readonly type: string;
  /** `Kind namespace/name`, or `Kind name` when the resource has no namespace. */
  readonly origin: string;
  readonly namespace?: string;
  readonly message: string;
  /** `file:line` of the resource when it came from a file. */
  readonly reference?: string;
  readonly documentationUrl: string;
  readonly analyzer: string;
  /** Where the resource came from; with `field`, lets the file reader point at the exact line. */
  readonly location?: Origin;
  /** Path of the offending field in the resource, e.g. `["spec", "gateways", 0]`. */
  readonly field?: FieldPath;
}

export type FieldPath = readonly (string | number)[];

const DOC_PREFIX = "https://istio.io/latest/docs/reference/config/analysis";

export function originOf(r: Resource): string {
  const ns = r.metadata.namespace;
  return ns ? `${r.kind.kind} ${ns}/${r.metadata.name}` : `${r.kind.kind} ${r.metadata.name}`;
}

export class Context {
  readonly snapshot: Snapshot;
  readonly messages: AnalysisMessage[] = [];
  readonly #catalogue: MessageCatalogue;
  #analyzer = "";

  constructor(snapshot: Snapshot, messages: MessageCatalogue = catalogue()) {
    this.snapshot = snapshot;
    this.#catalogue = messages;
  }

  /** Sets the analyzer name recorded on the messages reported next. */
  begin(analyzer: string): void {
    this.#analyzer = analyzer;
  }

  /** Reports message type `type` (e.g. `ReferencedResourceNotFound`) against `r`. */
  report(r: Resource, type: string, ...args: unknown[]): void {
    this.#push(r, undefined, type, args);
  }

  /** As `report`, naming the field at fault so the message can point at its line. */
  reportAt(r: Resource, field: FieldPath, type: string, ...args: unknown[]): void {
    this.#push(r, field, type, args);
  }

  #push(r: Resource, field: FieldPath | undefined, type: string, args: readonly unknown[]): void {
    const t = this.#catalogue.get(type);
    if (suppressed(r, t.code)) return;
    this.messages.push({
      code: t.code,
      level: t.level,
      type: t.name,
      origin: originOf(r),
      namespace: r.metadata.namespace,
      message: formatTemplate(t.template, args),
      reference: originText(r.origin),
      documentationUrl: `${DOC_PREFIX}/${t.code.toLowerCase()}/`,
      analyzer: this.#analyzer,
      location: r.origin,
      field,
    });
  }
}

const SUPPRESS_ANNOTATION = "galley.istio.io/analyze-suppress";

/** The resource opts out of this code with `galley.istio.io/analyze-suppress: IST0108,IST0103` or `*`. */
function suppressed(r: Resource, code: string): boolean {
  const value = r.metadata.annotations?.[SUPPRESS_ANNOTATION];
  if (typeof value !== "string") return false;
  return value
    .split(",")
    .map((c) => c.trim())
    .some((c) => c === "*" || c === code);
}
