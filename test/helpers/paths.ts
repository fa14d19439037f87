// Paths tests use: the repository root, the shared corpora, and the mast command.

import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SHARED = process.env.MAST_SHARED
  ? `${process.env.MAST_SHARED.replace(/\/$/, "")}/`
  : fileURLToPath(new URL("../../../shared/", import.meta.url));
export const ISTIO_CORPUS = `${SHARED}istio-corpus/`;
export const MAST_BIN = `${ROOT}bin/mast`;
