// Go's net/url.ParseRequestURI, which Kubernetes' CEL `isURL()` and `url()` are defined by:
// absolute URIs and absolute paths parse, anything else is an error with Go's wording.

export interface GoUrl {
  readonly scheme: string;
  readonly opaque: string;
  readonly host: string;
  readonly path: string;
  readonly rawQuery: string;
}

export class UrlError extends Error {}

const ALNUM = /^[A-Za-z0-9]$/;

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ["", raw];
      continue;
    }
    if (c === ":") {
      if (i === 0) throw new UrlError("missing protocol scheme");
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ["", raw];
  }
  return ["", raw];
}

function validOptionalPort(port: string): boolean {
  return port === "" || /^:[0-9]*$/.test(port);
}

/** Characters a host may carry unescaped (shouldEscape(c, encodeHost) is false). */
function hostCharOk(c: string): boolean {
  return ALNUM.test(c) || "-_.~!$&'()*+,;=:[]<>\"".includes(c) || c.charCodeAt(0) >= 0x80;
}

function checkEscapes(s: string): void {
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== "%") continue;
    const hex = s.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
      throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
    }
    i += 2;
  }
}

function parseHost(host: string): string {
  if (host.startsWith("[")) {
    const i = host.lastIndexOf("]");
    if (i < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) {
      throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
    }
  } else {
    const i = host.lastIndexOf(":");
    if (i >= 0 && !validOptionalPort(host.slice(i))) {
      throw new UrlError(`invalid port ${JSON.stringify(host.slice(i))} after host`);
    }
  }
  checkEscapes(host);
  for (const c of host) {
    if (c !== "%" && !hostCharOk(c)) {
      throw new UrlError(`invalid character ${JSON.stringify(c)} in host name`);
    }
  }
  return host;
}

function parseAuthority(authority: string): string {
  const at = authority.lastIndexOf("@");
  if (at < 0) return parseHost(authority);
  const userinfo = authority.slice(0, at);
  for (const c of userinfo) {
    if (!ALNUM.test(c) && !"-._:~!$&'()*+,;=%@".includes(c)) {
      throw new UrlError("net/url: invalid userinfo");
    }
  }
  return parseHost(authority.slice(at + 1));
}

/** Parses as Go's url.ParseRequestURI; throws UrlError with Go's message. */
export function parseRequestUri(raw: string): GoUrl {
  for (let i = 0; i < raw.length; i++) {
    const b = raw.charCodeAt(i);
    if (b < 0x20 || b === 0x7f) throw new UrlError("net/url: invalid control character in URL");
  }
  if (raw === "") throw new UrlError("empty url");
  if (raw === "*") return { scheme: "", opaque: "", host: "", path: "*", rawQuery: "" };
  const [schemeRaw, afterScheme] = getScheme(raw);
  const scheme = schemeRaw.toLowerCase();
  let rest = afterScheme;
  let rawQuery = "";
  if (rest.endsWith("?") && rest.split("?").length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) {
      rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith("/")) {
    if (scheme !== "") return { scheme, opaque: rest, host: "", path: "", rawQuery };
    throw new UrlError("invalid URI for request");
  }
  let host = "";
  if (scheme !== "" && rest.startsWith("//")) {
    const afterSlashes = rest.slice(2);
    const slash = afterSlashes.indexOf("/");
    const authority = slash < 0 ? afterSlashes : afterSlashes.slice(0, slash);
    rest = slash < 0 ? "" : afterSlashes.slice(slash);
    host = parseAuthority(authority);
  }
  checkEscapes(rest);
  return { scheme, opaque: "", host, path: rest, rawQuery };
}

/** `host:port` → `host`, `[::1]:80` → `::1`, as Go's URL.Hostname(). */
export function hostname(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end < 0 ? host.slice(1) : host.slice(1, end);
  }
  const colon = host.lastIndexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}

/** The port of `host:port`, "" when absent, as Go's URL.Port(). */
export function port(host: string): string {
  const colon = host.lastIndexOf(":");
  if (colon < 0 || (host.startsWith("[") && host.lastIndexOf("]") > colon)) return "";
  return host.slice(colon + 1);
}
