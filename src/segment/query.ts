// Query strings in the documented dot form (reference §2.4): `pagination.count=200`,
// `groupBy.0=source`, `sourceId.0=abc`; values percent-encoded, colons included, as the SDKs do.

export type QueryValue =
  | string
  | number
  | undefined
  | readonly string[]
  | Readonly<Record<string, string | number | undefined>>;

export function encodeQuery(query: Record<string, QueryValue>): string {
  const parts: string[] = [];
  const add = (key: string, value: string | number) =>
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === "string" || typeof value === "number") add(key, value);
    else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) add(`${key}.${i}`, item);
    } else {
      for (const [sub, item] of Object.entries(value as Record<string, string | number | undefined>)) {
        if (item !== undefined) add(`${key}.${sub}`, item);
      }
    }
  }
  return parts.join("&");
}
