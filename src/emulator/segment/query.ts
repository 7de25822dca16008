// Query-string parsing that accepts every encoding the reference (§2.4) says clients put on the
// wire: dot-index (`groupBy.0=x`, `pagination.count=3`), bracket-index (`groupBy[0]=x`), empty
// brackets (`groupBy[]=x`), bracket-object (`pagination[count]=200`), repeated keys, comma-joined
// lists and JSON-valued objects/arrays (`pagination={"count":2}`), all percent-decoded.

interface Node {
  values: string[];
  children: Map<string, Node>;
  /** Order of `[]` appends, kept apart from indexed children. */
  appended: string[];
}

function node(): Node {
  return { values: [], children: new Map(), appended: [] };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text; // malformed escapes: keep the raw text rather than fail the request
  }
}

/** Splits `a.b[c][0].d` into ["a", "b", "c", "0", "d"]; `[]` yields "". */
function keyPath(key: string): string[] {
  const parts: string[] = [];
  const head = /^[^.[]*/.exec(key)?.[0] ?? "";
  parts.push(head);
  const rest = key.slice(head.length);
  const re = /\[([^\]]*)\]|\.([^.[]*)/g;
  let consumed = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m.index !== consumed) break;
    parts.push(m[1] ?? m[2] ?? "");
    consumed = re.lastIndex;
  }
  if (consumed !== rest.length) return [key]; // not a structured key after all
  return parts;
}

export class ParsedQuery {
  private readonly root = node();

  constructor(readonly raw: string) {
    const text = raw.startsWith("?") ? raw.slice(1) : raw;
    for (const pair of text.split("&")) {
      if (pair === "") continue;
      const eq = pair.indexOf("=");
      const key = decode(eq === -1 ? pair : pair.slice(0, eq));
      const value = eq === -1 ? "" : decode(pair.slice(eq + 1));
      const path = keyPath(key);
      let target = this.root;
      for (let i = 0; i < path.length; i++) {
        const part = path[i] as string;
        if (part === "" && i > 0) {
          target.appended.push(value);
          target = node(); // `[]` only makes sense as the last segment
          break;
        }
        let next = target.children.get(part);
        if (!next) {
          next = node();
          target.children.set(part, next);
        }
        target = next;
        if (i === path.length - 1) target.values.push(value);
      }
    }
  }

  has(name: string): boolean {
    return this.root.children.has(name);
  }

  /** Names of all top-level parameters. */
  names(): string[] {
    return [...this.root.children.keys()];
  }

  /** A scalar parameter (first value if repeated). */
  scalar(name: string): string | undefined {
    return this.root.children.get(name)?.values[0];
  }

  /** A list parameter in any encoding; comma-joined values are split unless `splitCommas` is false. */
  list(name: string, splitCommas = true): string[] | undefined {
    const n = this.root.children.get(name);
    return n ? listOf(n, splitCommas) : undefined;
  }

  /**
   * A list inside an object parameter, e.g. `filter.discardReason.0=x`, `filter[discardReason][0]=x`
   * or `filter={"discardReason":["x"]}` (Delivery Overview's `filter`).
   */
  nestedList(name: string, key: string, splitCommas = true): string[] | undefined {
    const n = this.root.children.get(name);
    if (!n) return undefined;
    const fromJson: string[] = [];
    for (const v of n.values) {
      const json = parseJson(v) as Record<string, unknown> | undefined;
      const value = json && typeof json === "object" && !Array.isArray(json) ? json[key] : undefined;
      if (Array.isArray(value)) fromJson.push(...value.map(String));
      else if (typeof value === "string") fromJson.push(value);
    }
    const child = n.children.get(key);
    if (!child && fromJson.length === 0) return undefined;
    return [...fromJson, ...(child ? listOf(child, splitCommas) : [])];
  }

  /** Keys given inside an object parameter (`filter.eventName…` → "eventName"), JSON values included. */
  objectKeys(name: string): string[] {
    const n = this.root.children.get(name);
    if (!n) return [];
    const keys = new Set(n.children.keys());
    for (const v of n.values) {
      const json = parseJson(v);
      if (json && typeof json === "object" && !Array.isArray(json)) for (const k of Object.keys(json)) keys.add(k);
    }
    return [...keys];
  }

  /** An object parameter: `name.key`, `name[key]` or a JSON object value; fields are strings. */
  object(name: string): Record<string, string> | undefined {
    const n = this.root.children.get(name);
    if (!n) return undefined;
    const out: Record<string, string> = {};
    for (const v of n.values) {
      const json = parseJson(v);
      if (json && typeof json === "object" && !Array.isArray(json)) {
        for (const [k, val] of Object.entries(json)) if (val !== null && val !== undefined) out[k] = String(val);
      }
    }
    for (const [k, child] of n.children) {
      const first = child.values[0];
      if (first !== undefined) out[k] = first;
    }
    return out;
  }
}

function listOf(n: Node, splitCommas: boolean): string[] {
  const raw: string[] = [];
  for (const v of n.values) {
    const json = parseJson(v);
    if (Array.isArray(json)) raw.push(...json.map(String));
    else raw.push(v);
  }
  const indexed = [...n.children.entries()].filter(([k]) => /^\d+$/.test(k)).sort(([a], [b]) => Number(a) - Number(b));
  for (const [, child] of indexed) raw.push(...child.values);
  raw.push(...n.appended);
  const items = splitCommas ? raw.flatMap((v) => v.split(",")) : raw;
  return items.map((v) => v.trim()).filter((v) => v !== "");
}

function parseJson(text: string): unknown {
  const t = text.trim();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

export function parseQuery(raw: string): ParsedQuery {
  return new ParsedQuery(raw);
}
