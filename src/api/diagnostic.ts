// Validation problems as values: each names the resource, the field path and what was
// expected. Errors make a resource invalid; warnings do not.

import type { Origin } from "./resource.ts";

export type Level = "error" | "warning";

export interface Diagnostic {
  readonly level: Level;
  /** `Kind namespace/name`; absent when the document could not be identified. */
  readonly resource?: string;
  /** Field path such as `spec.http[0].route[1].weight`; "" for the whole document. */
  readonly path: string;
  readonly message: string;
  readonly origin?: Origin;
}

export function formatDiagnostic(d: Diagnostic): string {
  const level = d.level === "error" ? "Error" : "Warning";
  const where = d.resource ?? originText(d.origin) ?? "input";
  return `${level} [${where}] ${d.path ? `${d.path}: ` : ""}${d.message}`;
}

export function originText(origin: Origin | undefined): string | undefined {
  if (!origin?.file) return undefined;
  return origin.line ? `${origin.file}:${origin.line}` : origin.file;
}

/** Collects diagnostics for one resource while walking its fields. */
export class Report {
  readonly items: Diagnostic[] = [];
  readonly resource: string | undefined;
  readonly origin: Origin | undefined;
  constructor(resource?: string, origin?: Origin) {
    this.resource = resource;
    this.origin = origin;
  }
  error(path: string, message: string): void {
    this.items.push({
      level: "error",
      resource: this.resource,
      path,
      message,
      origin: this.origin,
    });
  }
  warning(path: string, message: string): void {
    this.items.push({
      level: "warning",
      resource: this.resource,
      path,
      message,
      origin: this.origin,
    });
  }
  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.level === "error");
  }
  get warnings(): Diagnostic[] {
    return this.items.filter((d) => d.level === "warning");
  }
}
