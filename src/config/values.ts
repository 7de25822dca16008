// Validators for single settings. Each takes the name the user typed (`--bucket` or
// `SEGMENT_EXPORTER_BUCKET`) so that its error says which setting is wrong and how to fix it.
import { isIP } from "node:net";
import { UsageError } from "../errors.js";
import { readBoundedFile, shownName } from "./files.js";

/** A token or key is a line of a few hundred characters at most; 64 KiB leaves room for comments. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** A raw value and where it came from (a flag, an environment variable or the config file). */
export interface Raw<T = string> {
  value: T;
  from: string;
}

/** flags > environment > config file > default (design §1). */
export function pick<T>(...candidates: Array<Raw<T | undefined> | undefined>): Raw<T> | undefined {
  for (const c of candidates) if (c && c.value !== undefined && c.value !== "") return c as Raw<T>;
  return undefined;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1";
  return false;
}

/** https anywhere; plain http only to loopback, so a token never crosses a network in clear text. */
export function parseServiceUrl(raw: Raw, example = "https://api.segmentapis.com"): string {
  let url: URL;
  try {
    url = new URL(raw.value);
  } catch {
    throw new UsageError(`${raw.from}: '${raw.value}' is not a URL; write it like ${example}`);
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new UsageError(
      `${raw.from}: plain http:// is refused for ${url.hostname} (tokens would travel unencrypted); use https://, or http:// only to a loopback host (127.0.0.1, ::1, localhost)`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${raw.from}: '${raw.value}' must start with https://`);
  }
  if (url.username || url.password) {
    throw new UsageError(`${raw.from}: put credentials in their own settings, not in the URL`);
  }
  return url.toString().replace(/\/+$/, "");
}

/** Reads a secret from a file (Docker/Kubernetes secrets); trailing newline removed, checked like any secret. */
export function readSecretFile(raw: Raw): string {
  const shown = shownName(raw.value);
  const text = readBoundedFile({ path: raw.value, from: raw.from, what: "secret file", shown }, MAX_SECRET_FILE_BYTES);
  const secret = text.trim();
  if (secret === "") throw new UsageError(`${raw.from}: ${shown} is empty; write the secret into it`);
  return checkSecret(secret, raw.from);
}

export function checkSecret(value: string, from: string): string {
  if (/\s/.test(value)) {
    throw new UsageError(`${from}: the value contains whitespace; copy the secret again without spaces or line breaks`);
  }
  // It travels in an HTTP header: anything but printable ASCII would fail every request (exit 4
  // on every run) instead of being named here once.
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new UsageError(
      `${from}: the value has characters that are not printable ASCII (a smart quote or a non-Latin letter?); copy the secret again as plain text`,
    );
  }
  return value;
}

const METRIC_PREFIX = /^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*$/;

export function parseMetricPrefix(raw: Raw): string {
  if (!METRIC_PREFIX.test(raw.value) || raw.value.length > 100) {
    throw new UsageError(
      `${raw.from}: '${raw.value}' is not a metric prefix; start with a letter and use letters, digits, _ and dots, e.g. segment_exporter`,
    );
  }
  if (raw.value === "segment" || raw.value.startsWith("segment.")) {
    throw new UsageError(
      `${raw.from}: '${raw.value}' is owned by Datadog's own Segment integration; pick a distinct prefix such as segment_exporter`,
    );
  }
  return raw.value;
}

const TAG = /^[a-zA-Z][a-zA-Z0-9_\-./]*:[^\s,]+$/;
/** The tag keys the exporter writes on entities and groupings (design §5): no --tag may take one. */
export const RESERVED_TAG_KEYS: ReadonlySet<string> = new Set([
  "workspace",
  "source_slug",
  "source_id",
  "destination",
  "destination_id",
  "destination_type",
  "event_name",
  "event_type",
  "mtu_type",
]);

export function parseTags(values: readonly string[], from: string): string[] {
  return values.map((tag) => {
    if (!TAG.test(tag)) {
      throw new UsageError(`${from}: '${tag}' is not a key:value tag; write it like team:growth (no spaces or commas)`);
    }
    const key = tag.slice(0, tag.indexOf(":")).toLowerCase();
    if (RESERVED_TAG_KEYS.has(key)) {
      throw new UsageError(`${from}: the tag key '${key}' is set by the exporter itself; choose another key`);
    }
    return tag;
  });
}

/** `a,b` or repeated flags → list, blanks removed. */
export function splitList(values: readonly string[] | string | undefined): string[] {
  const list = typeof values === "string" ? [values] : (values ?? []);
  return list
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

export function parsePositiveInt(raw: Raw, max: number): number {
  const n = Number(raw.value);
  if (!/^\d+$/.test(raw.value) || n < 1 || n > max) {
    throw new UsageError(`${raw.from}: '${raw.value}' must be a whole number from 1 to ${max}`);
  }
  return n;
}
