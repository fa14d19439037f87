// Container images mapped to local commands, so Kubernetes manifests run unmodified on one
// machine: Istio's sample images become the TypeScript samples in `samples/`.

import { fileURLToPath } from "node:url";

export interface LocalCommand {
  /** Script run with the pinned Node. */
  readonly script: string;
  /** Environment the original image bakes in. */
  readonly env: Readonly<Record<string, string>>;
}

const SAMPLES = fileURLToPath(new URL("../../samples/", import.meta.url));

interface ImageRule {
  readonly pattern: RegExp;
  readonly command: (m: RegExpExecArray) => LocalCommand;
}

const REVIEWS_ENV: Record<string, Record<string, string>> = {
  v1: {},
  v2: { ENABLE_RATINGS: "true", STAR_COLOR: "black" },
  v3: { ENABLE_RATINGS: "true", STAR_COLOR: "red" },
};

const RULES: readonly ImageRule[] = [
  {
    pattern: /(?:^|\/)examples-bookinfo-(productpage|details|ratings)-v1(?::|$)/,
    command: (m) => ({ script: `${SAMPLES}bookinfo/${m[1]}.ts`, env: {} }),
  },
  {
    pattern: /(?:^|\/)examples-bookinfo-reviews-(v[123])(?::|$)/,
    command: (m) => ({ script: `${SAMPLES}bookinfo/reviews.ts`, env: REVIEWS_ENV[m[1]!]! }),
  },
];

/** The local command for an image, or undefined when Mast cannot run it locally. */
export function localCommandFor(image: string): LocalCommand | undefined {
  for (const rule of RULES) {
    const m = rule.pattern.exec(image);
    if (m) return rule.command(m);
  }
  return undefined;
}
