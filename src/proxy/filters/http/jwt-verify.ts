// JWT parsing and verification as Envoy's jwt_verify_lib does it, on node:crypto: the token's
// structure, its alg against the key type (so an RSA public key can never be used as an HMAC
// secret), kid/alg key selection from a JWKS, the signature, then iss, aud and exp/nbf with a
// clock skew. Errors carry Envoy's messages, which become the 401 body.

import {
  createHmac,
  createPublicKey,
  constants as cryptoConstants,
  type JsonWebKeyInput,
  type KeyObject,
  timingSafeEqual,
  verify,
} from "node:crypto";

export const JWT_ERRORS = {
  missing: "Jwt is missing",
  badFormat: "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
  headerBase64: "Jwt header is an invalid Base64url encoded",
  headerJson: "Jwt header is an invalid JSON",
  badAlg: "Jwt header [alg] field is required and must be a string",
  unsupportedAlg: "Jwt header [alg] is not supported",
  badKid: "Jwt header [kid] field is not a string",
  payloadBase64: "Jwt payload is an invalid Base64url encoded",
  payloadJson: "Jwt payload is an invalid JSON",
  issNotString: "Jwt payload [iss] field is not a string",
  subNotString: "Jwt payload [sub] field is not a string",
  audNotString: "Jwt payload [aud] field is not a string or string list",
  expNotInteger: "Jwt payload [exp] field is not an integer",
  nbfNotInteger: "Jwt payload [nbf] field is not an integer",
  signatureBase64: "Jwt signature is an invalid Base64url encoded",
  expired: "Jwt is expired",
  notYetValid: "Jwt not yet valid",
  unknownIssuer: "Jwt issuer is not configured",
  audience: "Audiences in Jwt are not allowed",
  verification: "Jwt verification fails",
  noKey: "Jwks doesn't have key to match kid or alg from Jwt",
  jwksFetch: "Jwks remote fetch is failed",
} as const;

export class JwtError extends Error {}

export interface Jwt {
  readonly alg: string;
  readonly kid: string | undefined;
  readonly payload: Record<string, unknown>;
  /** The payload segment as received (base64url), for forward_payload_header. */
  readonly payloadSegment: string;
  readonly signingInput: string;
  readonly signature: Buffer;
  readonly iss: string | undefined;
  readonly aud: readonly string[];
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function b64url(s: string, err: string): Buffer {
  if (!B64URL.test(s) || s.length % 4 === 1) throw new JwtError(err);
  return Buffer.from(s, "base64url");
}

function json(buf: Buffer, err: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString("utf8"));
  } catch {
    throw new JwtError(err);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new JwtError(err);
  return v as Record<string, unknown>;
}

const SUPPORTED_ALGS = new Set([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "HS256",
  "HS384",
  "HS512",
  "EdDSA",
]);

export function parseJwt(token: string): Jwt {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError(JWT_ERRORS.badFormat);
  const header = json(b64url(parts[0], JWT_ERRORS.headerBase64), JWT_ERRORS.headerJson);
  if (typeof header.alg !== "string") throw new JwtError(JWT_ERRORS.badAlg);
  if (!SUPPORTED_ALGS.has(header.alg)) throw new JwtError(JWT_ERRORS.unsupportedAlg);
  if (header.kid !== undefined && typeof header.kid !== "string")
    throw new JwtError(JWT_ERRORS.badKid);
  const payload = json(b64url(parts[1], JWT_ERRORS.payloadBase64), JWT_ERRORS.payloadJson);
  if (payload.iss !== undefined && typeof payload.iss !== "string")
    throw new JwtError(JWT_ERRORS.issNotString);
  if (payload.sub !== undefined && typeof payload.sub !== "string")
    throw new JwtError(JWT_ERRORS.subNotString);
  const aud = payload.aud;
  if (
    aud !== undefined &&
    typeof aud !== "string" &&
    !(Array.isArray(aud) && aud.every((a) => typeof a === "string"))
  )
    throw new JwtError(JWT_ERRORS.audNotString);
  for (const [k, err] of [
    ["exp", JWT_ERRORS.expNotInteger],
    ["nbf", JWT_ERRORS.nbfNotInteger],
  ] as const) {
    if (payload[k] !== undefined && !Number.isInteger(payload[k])) throw new JwtError(err);
  }
  const signature = b64url(parts[2], JWT_ERRORS.signatureBase64);
  return {
    alg: header.alg,
    kid: header.kid as string | undefined,
    payload,
    payloadSegment: parts[1],
    signingInput: `${parts[0]}.${parts[1]}`,
    signature,
    iss: payload.iss as string | undefined,
    aud: aud === undefined ? [] : typeof aud === "string" ? [aud] : (aud as string[]),
  };
}

/** One usable key of a JWKS. */
export interface Jwk {
  readonly kty: string;
  readonly kid: string | undefined;
  readonly alg: string | undefined;
  readonly crv: string | undefined;
  readonly key: KeyObject | Buffer;
}

/** Parses a JWKS document; keys that do not parse are skipped (as Envoy does). */
export function parseJwks(text: string): Jwk[] {
  let doc: { keys?: Record<string, unknown>[] };
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const out: Jwk[] = [];
  for (const k of Array.isArray(doc?.keys) ? doc.keys : []) {
    try {
      const key =
        k.kty === "oct"
          ? Buffer.from(String(k.k ?? ""), "base64url")
          : createPublicKey({ key: k as JsonWebKeyInput["key"], format: "jwk" });
      out.push({
        kty: String(k.kty),
        kid: typeof k.kid === "string" ? k.kid : undefined,
        alg: typeof k.alg === "string" ? k.alg : undefined,
        crv: typeof k.crv === "string" ? k.crv : undefined,
        key,
      });
    } catch {
      // an unusable key is ignored; if none is left verification reports no matching key
    }
  }
  return out;
}

const EC_CURVE: Record<string, string> = { ES256: "P-256", ES384: "P-384", ES512: "P-521" };

/** The key type an alg needs: an HS* token is never checked against an RSA or EC public key. */
function keyFits(alg: string, k: Jwk): boolean {
  if (alg.startsWith("RS") || alg.startsWith("PS")) return k.kty === "RSA";
  if (alg.startsWith("ES"))
    return k.kty === "EC" && (k.crv === undefined || k.crv === EC_CURVE[alg]);
  if (alg === "EdDSA") return k.kty === "OKP";
  return k.kty === "oct";
}

function verifyWith(jwt: Jwt, k: Jwk): boolean {
  const data = Buffer.from(jwt.signingInput);
  const hash = `sha${jwt.alg.slice(2)}`;
  try {
    if (jwt.alg.startsWith("HS")) {
      const mac = createHmac(hash, k.key as Buffer)
        .update(data)
        .digest();
      return mac.length === jwt.signature.length && timingSafeEqual(mac, jwt.signature);
    }
    const key = k.key as KeyObject;
    if (jwt.alg === "EdDSA") return verify(null, data, key, jwt.signature);
    if (jwt.alg.startsWith("PS"))
      return verify(
        hash,
        data,
        {
          key,
          padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
          saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
        },
        jwt.signature,
      );
    if (jwt.alg.startsWith("ES"))
      return verify(hash, data, { key, dsaEncoding: "ieee-p1363" }, jwt.signature);
    return verify(hash, data, key, jwt.signature);
  } catch {
    return false;
  }
}

/** Checks the signature against the keys that fit the token's kid and alg. */
export function verifySignature(jwt: Jwt, keys: readonly Jwk[]): void {
  const candidates = keys.filter(
    (k) =>
      keyFits(jwt.alg, k) &&
      (k.alg === undefined || k.alg === jwt.alg) &&
      (jwt.kid === undefined || k.kid === undefined || k.kid === jwt.kid),
  );
  if (candidates.length === 0) throw new JwtError(JWT_ERRORS.noKey);
  if (!candidates.some((k) => verifyWith(jwt, k))) throw new JwtError(JWT_ERRORS.verification);
}

/** exp and nbf against `nowSeconds` with Envoy's default 60 s of clock skew. */
export function checkTime(jwt: Jwt, nowSeconds: number, skewSeconds = 60): void {
  const exp = jwt.payload.exp as number | undefined;
  const nbf = jwt.payload.nbf as number | undefined;
  if (nbf !== undefined && nowSeconds + skewSeconds < nbf)
    throw new JwtError(JWT_ERRORS.notYetValid);
  if (exp !== undefined && nowSeconds - skewSeconds > exp) throw new JwtError(JWT_ERRORS.expired);
}
