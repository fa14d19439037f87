// The API server's generic ObjectMeta checks for custom resources (apimachinery's
// ValidateObjectMeta): name, namespace, labels and annotations, with its messages. The CRD
// schema says nothing about metadata, yet `kubectl apply` rejects a bad name.

import { child, type FieldError, index } from "./field-error.ts";

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE = `(${QUALIFIED_NAME})?`;
const TOTAL_ANNOTATION_SIZE = 256 * 1024;

const full = (re: string) => new RegExp(`^${re}$`);

function dns1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push("must be no more than 253 characters");
  if (!full(DNS1123_SUBDOMAIN).test(v)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" +
        `${DNS1123_SUBDOMAIN}')`,
    );
  }
  return errs;
}

function dns1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!full(DNS1123_LABEL).test(v)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" +
        `${DNS1123_LABEL}')`,
    );
  }
  return errs;
}

function qualifiedName(v: string): string[] {
  const parts = v.split("/");
  let name = v;
  const errs: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else errs.push(...dns1123Subdomain(prefix).map((e) => `prefix part ${e}`));
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" +
        `${QUALIFIED_NAME}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push("name part must be no more than 63 characters");
  if (name.length > 0 && !full(QUALIFIED_NAME).test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" +
        `${QUALIFIED_NAME}')`,
    );
  }
  return errs;
}

function labelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!full(LABEL_VALUE).test(v)) {
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '" +
        `${LABEL_VALUE}')`,
    );
  }
  return errs;
}

function stringMap(
  value: unknown,
  path: string,
  errs: FieldError[],
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    const detail = `${path} in body must be of type object: "${Array.isArray(value) ? "array" : typeof value}"`;
    errs.push({ path, type: "Invalid value", value, detail, typeInvalid: true });
    return undefined;
  }
  const map = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== "string") {
      const at = index(path, k);
      const detail = `${at} in body must be of type string: "${v === null ? "null" : typeof v}"`;
      errs.push({ path: at, type: "Invalid value", value: v, detail, typeInvalid: true });
    }
  }
  return map;
}

/** ObjectMeta errors of a custom resource; `namespaced` says whether a namespace is checked. */
export function objectMetaErrors(meta: unknown, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!meta || typeof meta !== "object" || Array.isArray(meta)) return errs;
  const m = meta as Record<string, unknown>;
  const invalid = (path: string, value: unknown, detail: string) =>
    errs.push({ path, type: "Invalid value", value, detail });
  if (typeof m.name === "string") {
    for (const e of dns1123Subdomain(m.name)) invalid("metadata.name", m.name, e);
  }
  if (namespaced && typeof m.namespace === "string" && m.namespace !== "") {
    for (const e of dns1123Label(m.namespace)) invalid("metadata.namespace", m.namespace, e);
  }
  const labels = stringMap(m.labels, "metadata.labels", errs);
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const e of qualifiedName(k)) invalid("metadata.labels", k, e);
    if (typeof v === "string") for (const e of labelValue(v)) invalid("metadata.labels", v, e);
  }
  const annotations = stringMap(m.annotations, "metadata.annotations", errs);
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const e of qualifiedName(k.toLowerCase())) invalid("metadata.annotations", k, e);
    size += k.length + (typeof v === "string" ? v.length : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE) {
    errs.push({
      path: child("metadata", "annotations"),
      type: "Too long",
      detail: `may not be more than ${TOTAL_ANNOTATION_SIZE} bytes`,
    });
  }
  return errs;
}
