// Request-target handling before routing, as Envoy's HCM does it: split path and query, drop the
// fragment, and optionally normalize (RFC 3986 dot segments, unreserved percent-decoding), merge
// slashes, and act on escaped slashes. Authorization and routing then see one canonical path.

export interface PathOptions {
  readonly normalize: boolean;
  readonly mergeSlashes: boolean;
  /** Envoy's path_with_escaped_slashes_action. */
  readonly escapedSlashes: string;
}

export type PathResult =
  | {
      readonly ok: true;
      readonly path: string;
      readonly query: string;
      /** "?query" as received ("" without a "?"). */
      readonly tail: string;
      /** "#fragment" to forward upstream, or "" (see preparePath); routing never sees it. */
      readonly fragment: string;
      readonly redirect?: boolean;
    }
  | { readonly ok: false; readonly reason: string };

const UNRESERVED = /%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;

function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segs = path.split("/");
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i];
    if (s === ".") {
      if (i === segs.length - 1) out.push("");
    } else if (s === "..") {
      out.pop();
      if (i === segs.length - 1) out.push("");
    } else out.push(s);
  }
  return `/${out.join("/")}`;
}

// a fragment with no path structure in it: nothing an upstream could resolve to another path
const INERT_FRAGMENT = /^#[^/\\%?]*$/;

/**
 * Routing and filters never see the fragment (as in Envoy). It is still forwarded as received
 * when an upstream reading "#" as an ordinary byte would resolve the same path: when it starts
 * inside the query, or holds no "/", "\", "%" or "?". Otherwise it is dropped (Envoy always drops
 * it), so the upstream never resolves a path the router did not see.
 */
export function preparePath(target: string, opts: PathOptions): PathResult {
  const hash = target.indexOf("#");
  const noFrag = hash >= 0 ? target.slice(0, hash) : target;
  const q = noFrag.indexOf("?");
  let path = q >= 0 ? noFrag.slice(0, q) : noFrag;
  const query = q >= 0 ? noFrag.slice(q + 1) : "";
  const frag = hash >= 0 ? target.slice(hash) : "";
  const tail = q >= 0 ? `?${query}` : "";
  const fragment = q >= 0 || INERT_FRAGMENT.test(frag) ? frag : "";
  if (!path.startsWith("/")) return { ok: false, reason: "invalid path" };
  if (/%00/.test(path)) return { ok: false, reason: "invalid path: %00" };
  let redirect = false;
  if (/%2f|%5c/i.test(path)) {
    switch (opts.escapedSlashes) {
      case "REJECT_REQUEST":
        return { ok: false, reason: "escaped slashes in path" };
      case "UNESCAPE_AND_REDIRECT":
        redirect = true;
        path = path.replace(/%2f/gi, "/").replace(/%5c/gi, "\\");
        break;
      case "UNESCAPE_AND_FORWARD":
        path = path.replace(/%2f/gi, "/").replace(/%5c/gi, "\\");
        break;
    }
  }
  if (opts.normalize) {
    path = path.replace(UNRESERVED, (m) => String.fromCharCode(Number.parseInt(m.slice(1), 16)));
    path = path.replace(/\\/g, "/");
    path = removeDotSegments(path);
  }
  if (opts.mergeSlashes) path = path.replace(/\/{2,}/g, "/");
  return { ok: true, path, query, tail, fragment, redirect };
}
